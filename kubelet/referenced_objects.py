"""The ConfigMaps and Secrets one pod sync reads (env vars, volumes), each fetched once.

    data("ConfigMap", name) ──► GET configmaps/<name> ──► data (UTF-8) + binaryData (base64) as bytes
    data("Secret", name)    ──► GET secrets/<name>    ──► data (base64) + stringData as bytes
    NotFound ──► None (the caller decides: optional, or an error naming it)

Fetched on every sync that needs them, so a changed ConfigMap reaches a
running pod's volume within one resync period.
"""

from __future__ import annotations

import base64
import binascii

from kubelet.volumes import VolumeError
from kubelet.volumes.tokens import TokenManager
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound

KINDS = {"ConfigMap": by_kind("ConfigMap"), "Secret": by_kind("Secret")}


def _decode(value: object) -> bytes:
    try:
        return base64.b64decode(str(value), validate=True)
    except (binascii.Error, ValueError):
        return str(value).encode()


class ReferencedObjects:
    def __init__(self, client: ApiClient, namespace: str, tokens: TokenManager | None = None):
        self.client = client
        self.namespace = namespace
        self.tokens = tokens
        self._cache: dict[tuple[str, str], dict[str, bytes] | None] = {}

    async def token(self, pod: dict, projection: dict) -> str:
        """A service-account token for `pod` as a `serviceAccountToken` projection asks for it."""
        if self.tokens is None:
            raise VolumeError("service account tokens are not available on this node")
        try:
            return await self.tokens.token(pod, projection)
        except ApiError as error:
            account = (pod.get("spec") or {}).get("serviceAccountName") or "default"
            raise VolumeError(f'failed to fetch token for service account "{account}": {error}') from error

    async def data(self, kind: str, name: str) -> dict[str, bytes] | None:
        key = (kind, name)
        if key not in self._cache:
            try:
                obj = await self.client.get(KINDS[kind], name, namespace=self.namespace)
            except NotFound:
                self._cache[key] = None
            else:
                self._cache[key] = _contents(kind, obj)
        return self._cache[key]


def _contents(kind: str, obj: dict) -> dict[str, bytes]:
    if kind == "Secret":
        data = {key: _decode(value) for key, value in (obj.get("data") or {}).items()}
        data.update({key: str(value).encode() for key, value in (obj.get("stringData") or {}).items()})
        return data
    data = {key: str(value).encode() for key, value in (obj.get("data") or {}).items()}
    data.update({key: _decode(value) for key, value in (obj.get("binaryData") or {}).items()})
    return data
