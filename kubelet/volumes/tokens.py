"""Service-account tokens for `serviceAccountToken` projections, fetched through the TokenRequest API.

    (pod, projection) ──► cached token still fresh? ──yes──► it
                          └─no──► POST serviceaccounts/<name>/token {audiences, expirationSeconds,
                                  boundObjectRef: the pod} ──► cached until 80% of its life (at most 24 h)
The kubelet rewrites the projected volume on every sync, so a refreshed token reaches the pod
long before the old one expires. A pod's tokens are forgotten when its volumes are torn down.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient

SERVICE_ACCOUNTS = by_kind("ServiceAccount")
DEFAULT_SECONDS = 3600
REFRESH_FRACTION = 0.8
MAX_AGE_SECONDS = 24 * 3600


@dataclass
class _Cached:
    token: str
    fetched: float
    lifetime: float

    def fresh(self, now: float) -> bool:
        return now - self.fetched < min(self.lifetime * REFRESH_FRACTION, MAX_AGE_SECONDS)


class TokenManager:
    def __init__(self, client: ApiClient, *, clock: Callable[[], float] = time.time):
        self.client = client
        self.clock = clock
        self._tokens: dict[tuple, _Cached] = {}

    async def token(self, pod: Mapping[str, Any], projection: Mapping[str, Any]) -> str:
        meta, spec = pod.get("metadata") or {}, pod.get("spec") or {}
        account = str(spec.get("serviceAccountName") or "default")
        audience = projection.get("audience")
        seconds = int(projection.get("expirationSeconds") or DEFAULT_SECONDS)
        key = (meta.get("uid"), account, audience, seconds)
        now = self.clock()
        cached = self._tokens.get(key)
        if cached is not None and cached.fresh(now):
            return cached.token
        request = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": [audience] if audience else [],
                "expirationSeconds": seconds,
                "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": meta.get("name"), "uid": meta.get("uid")},
            },
        }
        path = SERVICE_ACCOUNTS.object_path(account, str(meta.get("namespace") or "default"), "token")
        answer = await self.client.request("POST", path, body=request)
        token = answer["status"]["token"]
        self._tokens[key] = _Cached(token, now, float(answer["spec"].get("expirationSeconds") or seconds))
        return token

    def forget(self, pod_uid: str) -> None:
        for key in [k for k in self._tokens if k[0] == pod_uid]:
            del self._tokens[key]
