"""ServiceAccount controller ("serviceaccount"): every active namespace has a `default` ServiceAccount.

Namespace events ──► its name;  ServiceAccount `default` deleted ──► its namespace's name
reconcile(namespace): active and no `default` in the cache ──► create it (AlreadyExists: our
    cache is behind, which is fine); a terminating namespace gets nothing (the apiserver refuses)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_manager.ownership import meta
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import AlreadyExists, Forbidden, NotFound
from kubemini.client.shared_informers import SharedInformers

NAMESPACE, SERVICE_ACCOUNT = by_kind("Namespace"), by_kind("ServiceAccount")
DEFAULT_NAME = "default"


class ServiceAccountsController(ClientController):
    name = "serviceaccount"
    default_workers = 2

    def setup(self, informers: SharedInformers) -> None:
        self.namespaces = self.add_informer(informers.informer(NAMESPACE))
        self.accounts = self.watch(informers.informer(SERVICE_ACCOUNT), on_delete=self._account_deleted)

    def _account_deleted(self, account: Mapping[str, Any]) -> None:
        if meta(account).get("name") == DEFAULT_NAME and meta(account).get("namespace"):
            self.enqueue(meta(account)["namespace"])

    async def reconcile(self, key: str) -> Result | None:
        namespace = self.namespaces.get(key)
        if namespace is None or meta(namespace).get("deletionTimestamp"):
            return None
        if (namespace.get("status") or {}).get("phase") == "Terminating":
            return None
        if self.accounts.get(f"{key}/{DEFAULT_NAME}") is not None:
            return None
        body = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": DEFAULT_NAME, "namespace": key}}
        try:
            await self.client.create(SERVICE_ACCOUNT, body, namespace=key)
        except (AlreadyExists, NotFound):
            pass  # there already, or the namespace is gone
        except Forbidden:
            pass  # the namespace started terminating meanwhile: nothing to give it
        return None
