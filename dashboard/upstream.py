"""The API as one user sees it: clients whose only credential is that user's bearer token.

    the dashboard's own ClientConfig (--kubeconfig / --server, --certificate-authority)
        ──► user_config(base, token): the same server and CA, and nothing else of the dashboard's:
            no client certificate, no token of its own ──► ApiClient (retries, typed errors, watches)
What a page shows and what an action may do is decided by the API for the token the user logged in
with; the dashboard's own identity (bound to no role) is never presented on a user's behalf.
"""

from __future__ import annotations

from pathlib import Path

import httpx

from kubemini.client.api_client import ApiClient
from kubemini.client.credentials import ClientConfig

USER_AGENT = "kubemini-dashboard"


def with_ca_file(base: ClientConfig, ca_file: str | None) -> ClientConfig:
    if not ca_file:
        return base
    return ClientConfig(**{**base.__dict__, "ca_pem": Path(ca_file).expanduser().read_bytes()})


def user_config(base: ClientConfig, token: str) -> ClientConfig:
    return ClientConfig(
        server=base.server, ca_pem=base.ca_pem, token=token, insecure_skip_verify=base.insecure_skip_verify
    )


def user_client(base: ClientConfig, token: str) -> ApiClient:
    return ApiClient(user_config(base, token), user_agent=USER_AGENT)


def user_http(base: ClientConfig, token: str) -> httpx.AsyncClient:
    """A plain client with the same identity, for streams ApiClient does not read (pods/log)."""
    config = user_config(base, token)
    return httpx.AsyncClient(
        base_url=config.server, verify=config.ssl_context(), headers={**config.headers(), "User-Agent": USER_AGENT}
    )
