"""Root CA publisher ("root-ca-cert-publisher"): a `kube-root-ca.crt` ConfigMap in every namespace.

Namespace events ──► its name;  ConfigMap `kube-root-ca.crt` events ──► its namespace's name
reconcile(namespace): active ──► the ConfigMap with `ca.crt` = the cluster CA
    missing ──► create;  other content ──► update (a user edit is put back)
The CA is the --root-ca-file content; without the flag it is the one the apiserver publishes in
kube-public/cluster-info (its kubeconfig's certificate-authority-data, as kubeadm writes it), and
every namespace is reconciled again when that changes.
"""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

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

CLUSTER_INFO, CLUSTER_INFO_NAMESPACE = "cluster-info", "kube-public"

log = logging.getLogger(__name__)


def ca_from_cluster_info(config_map: Mapping[str, Any] | None) -> str | None:
    """The CA bundle in kube-public/cluster-info's kubeconfig, or None when there is none."""
    text = ((config_map or {}).get("data") or {}).get("kubeconfig")
    try:
        clusters = (yaml.safe_load(text) or {}).get("clusters") or [] if isinstance(text, str) else []
        data = clusters[0]["cluster"]["certificate-authority-data"] if clusters else None
        return base64.b64decode(data).decode() if data else None
    except (yaml.YAMLError, KeyError, TypeError, AttributeError, ValueError):
        return None


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
        self.root_ca_file = Path(root_ca_file).read_text() if root_ca_file else None
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.namespaces = self.add_informer(informers.informer(NAMESPACE))
        if self.root_ca_file is None:
            self.cluster_info = self.watch(
                informers.informer(CONFIG_MAP, field_selector=f"metadata.name={CLUSTER_INFO}"),
                on_add=self._all_namespaces,
                on_update=lambda _old, new: self._all_namespaces(new),
            )
        self.config_maps = self.add_informer(
            informers.informer(CONFIG_MAP, field_selector=f"metadata.name={CONFIG_MAP_NAME}"),
            key_for=lambda cm: meta(cm).get("namespace"),
        )

    def _all_namespaces(self, config_map: Mapping[str, Any]) -> None:
        if meta(config_map).get("namespace") == CLUSTER_INFO_NAMESPACE:
            for namespace in self.namespaces.list():
                self.enqueue(meta(namespace)["name"])

    @property
    def root_ca(self) -> str | None:
        if self.root_ca_file is not None:
            return self.root_ca_file
        return ca_from_cluster_info(self.cluster_info.get(f"{CLUSTER_INFO_NAMESPACE}/{CLUSTER_INFO}"))

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
            return None  # no CA yet: cluster-info's arrival enqueues every namespace
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
