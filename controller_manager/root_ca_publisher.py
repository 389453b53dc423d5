"""Root CA publisher ("root-ca-cert-publisher"): a `kube-root-ca.crt` ConfigMap in every namespace.

Namespace events ──► its name;  ConfigMap `kube-root-ca.crt` events ──► its namespace's name
reconcile(namespace): active ──► the ConfigMap with `ca.crt` = the --root-ca-file content
    missing ──► create;  other content ──► update (a user edit is put back)
no --root-ca-file ──► logged once at start; the controller stays idle, as Kubernetes' does not start
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from controller_manager.ownership import meta
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import AlreadyExists, Forbidden, NotFound
from kubemini.client.shared_informers import SharedInformers

NAMESPACE, CONFIG_MAP = by_kind("Namespace"), by_kind("ConfigMap")
CONFIG_MAP_NAME = "kube-root-ca.crt"
DATA_KEY = "ca.crt"
DESCRIPTION = (
    "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the "
    "internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes "
    "clusters."
)

log = logging.getLogger(__name__)


class RootCACertPublisher(ClientController):
    name = "root-ca-cert-publisher"
    default_workers = 2

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        root_ca_file: str | None,
        **common: Any,
    ):
        self.root_ca = Path(root_ca_file).read_text() if root_ca_file else None
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        if self.root_ca is None:
            log.info("%s: no --root-ca-file given; not publishing %s", self.name, CONFIG_MAP_NAME)
            return  # idle: no informers, no keys
        self.namespaces = self.add_informer(informers.informer(NAMESPACE))
        self.config_maps = self.add_informer(
            informers.informer(CONFIG_MAP, field_selector=f"metadata.name={CONFIG_MAP_NAME}"),
            key_for=lambda cm: meta(cm).get("namespace"),
        )

    def _wanted(self, namespace: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": CONFIG_MAP_NAME, "namespace": namespace,
                         "annotations": {"kubernetes.io/description": DESCRIPTION}},
            "data": {DATA_KEY: self.root_ca},
        }  # fmt: skip

    async def reconcile(self, key: str) -> Result | None:
        if self.root_ca is None:
            return None
        namespace = self.namespaces.get(key)
        if namespace is None or meta(namespace).get("deletionTimestamp"):
            return None
        current: Mapping[str, Any] | None = self.config_maps.get(f"{key}/{CONFIG_MAP_NAME}")
        try:
            if current is None:
                await self.client.create(CONFIG_MAP, self._wanted(key), namespace=key)
            elif (current.get("data") or {}) != {DATA_KEY: self.root_ca}:
                updated = copy.deepcopy(dict(current))
                updated["data"] = {DATA_KEY: self.root_ca}
                await self.client.update(CONFIG_MAP, updated)
        except (AlreadyExists, NotFound, Forbidden):
            pass  # cache behind, namespace gone or terminating: the next event decides again
        return None
