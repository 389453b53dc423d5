"""Token cleaner ("tokencleaner"): a bootstrap token's Secret goes when its expiration passes.

    kube-system Secrets of type bootstrap.kubernetes.io/token ──► their key
    reconcile(key): expiration_of(secret, now)
        expired (or unparseable) ──► DELETE with the uid precondition (NotFound/Conflict: done)
        not yet                  ──► look again when it expires
        no expiration            ──► kept for good
As upstream's pkg/controller/bootstrap/tokencleaner.go.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from controller_manager.ownership import meta, uid_of
from kubemini.api import bootstrap_tokens as bt
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

SECRET = by_kind("Secret")
TOKEN_FIELD_SELECTOR = f"type={bt.SECRET_TYPE}"

log = logging.getLogger(__name__)


def token_secrets(informers: SharedInformers):
    """The one informer both bootstrap controllers share: kube-system's bootstrap token Secrets."""
    return informers.informer(SECRET, namespace=bt.SECRET_NAMESPACE, field_selector=TOKEN_FIELD_SELECTOR)


class TokenCleaner(ClientController):
    name = "tokencleaner"

    def __init__(
        self, client: ApiClient, informers: SharedInformers, *, now: Callable[[], datetime] | None = None, **common: Any
    ):
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.secrets = self.add_informer(token_secrets(informers))

    async def reconcile(self, key: str) -> Result | None:
        secret = self.secrets.get(key)
        if secret is None or not bt.is_token_secret(secret) or meta(secret).get("deletionTimestamp"):
            return None
        left, expired = bt.expiration_of(secret, self.now())
        if not expired:
            return Result(requeue_after=left) if left > 0 else None
        try:
            await self.client.delete(SECRET, meta(secret)["name"], namespace=bt.SECRET_NAMESPACE,
                                     preconditions={"uid": uid_of(secret)})  # fmt: skip
        except (NotFound, Conflict):
            return None  # already gone, or a new Secret of that name: its own events bring it here
        log.info("tokencleaner: deleted expired bootstrap token %s", key, extra={"object": key})
        return None
