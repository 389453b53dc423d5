"""Bootstrap signer ("bootstrapsigner"): kube-public/cluster-info carries a JWS of its kubeconfig per signing token.

    token Secrets (kube-system, type bootstrap.kubernetes.io/token) ┐
    ConfigMap kube-public/cluster-info                               ┴──► the one key kube-public/cluster-info
    reconcile:
        wanted kubeconfig = the ConfigMap's, or — with --cluster-info-server — one naming that server and
                            the cluster CA (--root-ca-file, else --cluster-signing-cert-file, else the CA
                            already published)
        signed_data(data, tokens) ──► data with jws-kubeconfig-<id> = detached JWS for every valid
                            (well-formed, unexpired, usage-bootstrap-signing) token; stale signatures gone
        differs ──► create / update (Conflict, NotFound: the next event decides again)
As upstream's pkg/controller/bootstrap/bootstrapsigner.go, which only signs; here it may also keep the
server a joining machine must use (the apiserver publishes its advertise address, often loopback).
"""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from controller_manager.bootstrap.token_cleaner import token_secrets
from controller_manager.root_ca_publisher import ca_from_cluster_info
from kubemini.api import bootstrap_tokens as bt
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import AlreadyExists, Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

CONFIG_MAP = by_kind("ConfigMap")
KEY = f"{bt.CLUSTER_INFO_NAMESPACE}/{bt.CLUSTER_INFO}"

log = logging.getLogger(__name__)


def cluster_info_kubeconfig(server: str, ca_pem: str) -> str:
    """The kubeconfig kubeadm publishes in cluster-info: one unnamed cluster, no users."""
    cluster = {"server": server, "certificate-authority-data": base64.b64encode(ca_pem.encode()).decode()}
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "", "cluster": cluster}],
        "contexts": None,
        "current-context": "",
        "preferences": {},
        "users": None,
    }
    return yaml.safe_dump(config)


def kubeconfig_server(text: str | None) -> str | None:
    try:
        clusters = (yaml.safe_load(text or "") or {}).get("clusters") or []
        return clusters[0]["cluster"]["server"] if clusters else None
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, IndexError):
        return None


def wanted_kubeconfig(published: str | None, *, server: str | None, ca_pem: str | None) -> str | None:
    """The kubeconfig cluster-info should carry: the published one, unless `server` (--cluster-info-server)
    is set and differs, then one naming `server` and the CA (when a CA is known at all)."""
    if server is None or (published and kubeconfig_server(published) == server):
        return published
    return cluster_info_kubeconfig(server, ca_pem) if ca_pem else published


def signing_tokens(secrets: Iterable[Mapping[str, Any]], now: datetime) -> dict[str, str]:
    """token id → secret of every token valid for signing (upstream's validateSecretForSigning)."""
    tokens: dict[str, str] = {}
    for secret in secrets:
        token = bt.secret_token(secret)
        if token is None or bt.has_expired(secret, now) or not bt.has_usage(secret, bt.USAGE_SIGNING):
            continue
        tokens.setdefault(token.id, token.secret)
    return tokens


def signed_data(data: Mapping[str, str], tokens: Mapping[str, str]) -> dict[str, str]:
    """`data` with exactly one jws-kubeconfig-<id> per token, signing data["kubeconfig"]."""
    content = data[bt.KUBECONFIG_KEY]
    signed = {k: v for k, v in data.items() if not k.startswith(bt.JWS_KEY_PREFIX)}
    for token_id, secret in sorted(tokens.items()):
        signed[bt.JWS_KEY_PREFIX + token_id] = bt.detached_signature(content, token_id, secret)
    return signed


class BootstrapSigner(ClientController):
    name = "bootstrapsigner"

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        server: str | None = None,
        ca_file: str | None = None,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.server = server
        self.ca_file = ca_file
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        wake = lambda *_: self.enqueue(KEY)  # noqa: E731 - every change concerns the one ConfigMap
        self.secrets = self.watch(token_secrets(informers), on_add=wake, on_update=wake, on_delete=wake)
        # The same informer the root CA publisher uses: one watch for both.
        self.config_maps = self.watch(
            informers.informer(CONFIG_MAP, field_selector=f"metadata.name={bt.CLUSTER_INFO}"),
            on_add=wake, on_update=wake, on_delete=wake,
        )  # fmt: skip

    def _ca(self, current: Mapping[str, Any] | None) -> str | None:
        if self.ca_file:
            return Path(self.ca_file).read_text()
        return ca_from_cluster_info(current)

    def _wanted_kubeconfig(self, current: Mapping[str, Any] | None) -> str | None:
        published = ((current or {}).get("data") or {}).get(bt.KUBECONFIG_KEY)
        if self.server is None or (published and kubeconfig_server(published) == self.server):
            return published  # nothing to change: no need to read the CA
        return wanted_kubeconfig(published, server=self.server, ca_pem=self._ca(current))

    async def reconcile(self, key: str) -> Result | None:
        current = self.config_maps.get(KEY)
        kubeconfig = self._wanted_kubeconfig(current)
        if not kubeconfig:
            return None  # nothing to sign yet: the ConfigMap's arrival wakes us
        data = dict((current or {}).get("data") or {})
        data[bt.KUBECONFIG_KEY] = kubeconfig
        wanted = signed_data(data, signing_tokens(self.secrets.list(), self.now()))
        try:
            if current is None:
                metadata = {"name": bt.CLUSTER_INFO, "namespace": bt.CLUSTER_INFO_NAMESPACE}
                await self.client.create(CONFIG_MAP, {"metadata": metadata, "data": wanted})
            elif wanted != (current.get("data") or {}):
                updated = copy.deepcopy(dict(current))
                updated["data"] = wanted
                await self.client.update(CONFIG_MAP, updated)
            else:
                return None
        except (AlreadyExists, Conflict, NotFound):
            return Result(requeue=True)  # our cache is behind: decide again on what is there now
        signatures = sorted(k for k in wanted if k.startswith(bt.JWS_KEY_PREFIX))
        log.info("bootstrapsigner: %s signed for %s", KEY, ", ".join(signatures) or "no token", extra={"object": KEY})
        return None
