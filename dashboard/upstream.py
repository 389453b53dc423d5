"""The API as one user sees it: an `ApiClient` whose every request carries that user's bearer token.

    ApiTarget (server URL + CA, from --kubeconfig / --server / --certificate-authority)
        + the session's token ──► BearerTransport ──► ApiClient (retries, typed errors, watches)
The dashboard holds no credentials of its own for user traffic: what a page shows and what an
action may do is decided by the API for the token the user logged in with.
"""

from __future__ import annotations

import base64
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from kubemini.client.api_client import ApiClient
from kubemini.client.kubeconfig import current_context


@dataclass(frozen=True)
class ApiTarget:
    server: str
    ca_file: str | None = None
    ca_data: bytes | None = None
    insecure_skip_verify: bool = False

    def verify(self) -> ssl.SSLContext | bool:
        if not self.server.startswith("https://"):
            return True
        if self.insecure_skip_verify:
            return False
        if self.ca_file or self.ca_data:
            return ssl.create_default_context(
                cafile=self.ca_file, cadata=self.ca_data.decode() if self.ca_data else None
            )
        return True


def _named(entries: Any, name: str, field: str) -> dict[str, Any]:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get(field), dict):
            return entry[field]
    return {}


def target_from_kubeconfig(config: dict[str, Any] | None, *, server: str, base_dir: Path) -> ApiTarget:
    """The CA of the kubeconfig's current cluster (file relative to the kubeconfig, or inline data)."""
    context = current_context(config or {}) or {}
    cluster = _named((config or {}).get("clusters"), str(context.get("cluster") or ""), "cluster")
    ca_file = cluster.get("certificate-authority")
    ca_data = cluster.get("certificate-authority-data")
    return ApiTarget(
        server=server,
        ca_file=str((base_dir / ca_file).resolve()) if ca_file else None,
        ca_data=base64.b64decode(ca_data) if ca_data else None,
        insecure_skip_verify=bool(cluster.get("insecure-skip-tls-verify")),
    )


class BearerTransport(httpx.AsyncBaseTransport):
    """Adds `Authorization: Bearer <token>` to every request, whatever path it takes."""

    def __init__(self, token: str, *, verify: ssl.SSLContext | bool):
        self._header = f"Bearer {token}"
        self._inner = httpx.AsyncHTTPTransport(verify=verify)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Authorization"] = self._header
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def user_client(target: ApiTarget, token: str, *, timeout_seconds: float | None = None) -> ApiClient:
    options = {} if timeout_seconds is None else {"timeout_seconds": timeout_seconds}
    transport = BearerTransport(token, verify=target.verify())
    return ApiClient(target.server, transport=transport, user_agent="kubemini-dashboard", **options)


def user_http(target: ApiTarget, token: str) -> httpx.AsyncClient:
    """A plain client with the same identity, for streams ApiClient does not read (pods/log)."""
    transport = BearerTransport(token, verify=target.verify())
    return httpx.AsyncClient(base_url=target.server, transport=transport, headers={"User-Agent": "kubemini-dashboard"})
