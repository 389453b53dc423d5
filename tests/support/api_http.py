"""HTTP clients for the test API servers: TLS with the cluster CA and the admin's client certificate.

Every `ApiServer` (tests/support/processes.py) registers its URL with the credentials it issued;
`api_http(base_url=...)` and `async_api_http(...)` give an httpx client that trusts that server and
presents its admin certificate. A URL that is not a test API server (an ingress, a kubelet's health
port) gets a plain client. `credentials_for(url)` feeds kubeconfigs and `ApiClient`s.
"""

from __future__ import annotations

import httpx

from kubemini.client.credentials import ClientConfig

_servers: dict[str, ClientConfig] = {}


def register(config: ClientConfig) -> None:
    _servers[config.server.rstrip("/")] = config


def unregister(url: str) -> None:
    _servers.pop(url.rstrip("/"), None)


def credentials_for(url: str) -> ClientConfig | None:
    return _servers.get(str(url).rstrip("/"))


def _tls(base_url) -> dict:
    config = credentials_for(str(base_url)) if base_url else None
    return {"verify": config.ssl_context()} if config is not None else {}


def api_http(*, base_url: str = "", **options) -> httpx.Client:
    return httpx.Client(base_url=base_url, **_tls(base_url), **options)


def async_api_http(*, base_url: str = "", **options) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, **_tls(base_url), **options)
