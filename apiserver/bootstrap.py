"""What every cluster starts with: its keys (apiserver/identity), the default namespaces, the
`kubernetes` Service, kube-public/cluster-info (the server and the cluster CA, as kubeadm publishes
them), the two system PriorityClasses, the default StorageClass `standard` (the local-path
provisioner, as k3s ships it), one APIService per served group-version (kube-apiserver's
autoregister), and the default RBAC policy (reconciled as kube-apiserver's rbac/bootstrap-roles hook)."""

from __future__ import annotations

import asyncio
import base64
import logging

import yaml

from apiserver.authorization.rbac import bootstrap_policy
from apiserver.errors import ApiError
from apiserver.identity import pki
from apiserver.reading import get_object
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import StorageError
from apiserver.writing import create_object, update_object
from kubemini.api import registry, timestamps
from kubemini.api.kinds.scheduling import SYSTEM_CLASSES
from kubemini.api.local_path import default_storage_class

log = logging.getLogger("apiserver.bootstrap")
DEFAULT_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
RETRY_SECONDS = 1.0
SYSTEM_CLASS_DESCRIPTIONS = {
    "system-node-critical": "Used for system critical pods that must not be moved from their current node.",
    "system-cluster-critical": "Used for system critical pods that must run in the cluster, but can be moved "
    "to another node if necessary.",
}


async def _ensure(ctx, kind: str, obj: dict, *, namespace: str | None, group: str = "") -> None:
    """Create `obj` unless it exists; retry while etcd is not reachable yet."""
    record = next(r for r in registry.RESOURCES if r.kind == kind and r.group == group and r.stored)
    while True:
        try:
            await create_object(ctx, record, obj, namespace=namespace)
            return
        except ApiError as exc:
            if exc.code == 409:
                return
            log.warning("creating %s %s failed (%s); retrying", kind, obj["metadata"]["name"], exc)
            await asyncio.sleep(RETRY_SECONDS)


async def ensure_default_namespaces(ctx) -> None:
    for name in DEFAULT_NAMESPACES:
        await _ensure(ctx, "Namespace", {"metadata": {"name": name}}, namespace=None)


async def ensure_system_priority_classes(ctx) -> None:
    for name, value in SYSTEM_CLASSES.items():
        priority_class = {"metadata": {"name": name}, "value": value, "description": SYSTEM_CLASS_DESCRIPTIONS[name]}
        await _ensure(ctx, "PriorityClass", priority_class, namespace=None, group="scheduling.k8s.io")


async def ensure_default_storage_class(ctx) -> None:
    await _ensure(ctx, "StorageClass", default_storage_class(), namespace=None, group="storage.k8s.io")


async def ensure_api_services(ctx) -> None:
    """A Local APIService, Available, for every group-version this server serves itself (an aggregated
    one, metrics.k8s.io, is registered by the component that serves it)."""
    aggregated = {(r.group, r.version) for r in registry.all_resources() if r.virtual == "aggregated"}
    for group, version in registry.group_versions():
        if (group, version) in aggregated:
            continue
        service = {
            "metadata": {
                "name": f"{version}.{group}" if group else version,
                "labels": {"kube-aggregator.kubernetes.io/automanaged": "onstart"},
            },
            "spec": {
                "group": group,
                "version": version,
                "groupPriorityMinimum": 18000 if not group else 17000,
                "versionPriority": 15,
            },
            "status": {
                "conditions": [
                    {
                        "type": "Available",
                        "status": "True",
                        "reason": "Local",
                        "message": "Local APIServices are always available",
                        "lastTransitionTime": timestamps.now(),
                    }
                ]
            },
        }
        await _ensure(ctx, "APIService", service, namespace=None, group="apiregistration.k8s.io")


async def _ensure_reconciled(ctx, kind: str, wanted: dict, reconcile) -> None:
    """Create a default RBAC object, or give an existing one back what it lacks (`reconcile`)."""
    record = registry.by_kind(kind)
    namespace = wanted["metadata"].get("namespace")
    await _ensure(ctx, kind, wanted, namespace=namespace, group=record.group)
    info = RequestInfo(record, namespace, wanted["metadata"]["name"], None)
    while True:
        try:
            if reconcile(await get_object(ctx, info), wanted) is not None:
                await update_object(ctx, info, lambda current: reconcile(current, wanted) or current)
            return
        except ApiError as exc:
            if exc.code == 404:
                return  # deleted meanwhile: the next start creates it again
            log.warning("reconciling %s %s failed (%s); retrying", kind, wanted["metadata"]["name"], exc)
            await asyncio.sleep(RETRY_SECONDS)


async def ensure_bootstrap_policy(ctx) -> None:
    """The default ClusterRoles and ClusterRoleBindings (apiserver/authorization/rbac/bootstrap_policy.py),
    created or, when changed, given back what they lack."""
    for role in bootstrap_policy.cluster_roles():
        await _ensure_reconciled(ctx, "ClusterRole", role, bootstrap_policy.reconciled_role)
    for binding in bootstrap_policy.cluster_role_bindings():
        await _ensure_reconciled(ctx, "ClusterRoleBinding", binding, bootstrap_policy.reconciled_binding)
    for role in bootstrap_policy.roles():
        await _ensure_reconciled(ctx, "Role", role, bootstrap_policy.reconciled_role)
    for binding in bootstrap_policy.role_bindings():
        await _ensure_reconciled(ctx, "RoleBinding", binding, bootstrap_policy.reconciled_binding)


async def ensure_kubernetes_service(ctx, advertise_address: str) -> None:
    """The `kubernetes` Service on the range's first IP, with Endpoints and an EndpointSlice at the
    apiserver's address."""
    host, _, port = advertise_address.rpartition(":")
    service = {
        "metadata": {"name": "kubernetes", "labels": {"component": "apiserver", "provider": "kubernetes"}},
        "spec": {
            "clusterIP": ctx.service_network.first_address,
            "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": int(port)}],
        },
    }
    endpoints = {
        "metadata": {"name": "kubernetes", "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
        "subsets": [{"addresses": [{"ip": host}], "ports": [{"name": "https", "port": int(port), "protocol": "TCP"}]}],
    }
    endpoint_slice = {  # written by the apiserver itself, as upstream (the Endpoints are never mirrored)
        "metadata": {"name": "kubernetes", "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv4",
        "endpoints": [{"addresses": [host], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": int(port), "protocol": "TCP"}],
    }
    await _ensure(ctx, "Service", service, namespace="default")
    await _ensure(ctx, "Endpoints", endpoints, namespace="default")
    await _ensure(ctx, "EndpointSlice", endpoint_slice, namespace="default", group="discovery.k8s.io")


async def ensure_identity(ctx, signing_key_pem: bytes | None, ca_pem: bytes | None = None) -> None:
    """The cluster's signing key and CA, shared by every apiserver through etcd (`--client-ca-file`
    names the CA clients and pods are told to trust when the cluster's PKI lives in files)."""
    while ctx.identity is None:
        try:
            identity = await pki.load_or_create(ctx.store, signing_key_pem=signing_key_pem)
            if ca_pem is not None:
                identity = pki.ClusterIdentity(identity.signing_key_pem, ca_pem, identity.ca_key_pem)
            ctx.identity = identity
        except StorageError as exc:
            log.warning("loading the cluster's keys failed (%s); retrying", exc)
            await asyncio.sleep(RETRY_SECONDS)


async def ensure_cluster_info(ctx, advertise_address: str, scheme: str) -> None:
    """kube-public/cluster-info, as kubeadm writes it: a kubeconfig naming the server and the cluster CA."""
    ca_data = base64.b64encode(ctx.identity.ca_cert_pem).decode()
    kubeconfig = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "", "cluster": {"server": f"{scheme}://{advertise_address}"}}],
        "contexts": None,
        "current-context": "",
        "preferences": {},
        "users": None,
    }
    kubeconfig["clusters"][0]["cluster"]["certificate-authority-data"] = ca_data
    config_map = {"metadata": {"name": "cluster-info"}, "data": {"kubeconfig": yaml.safe_dump(kubeconfig)}}
    await _ensure(ctx, "ConfigMap", config_map, namespace="kube-public")


async def ensure_all(
    ctx,
    advertise_address: str,
    *,
    scheme: str = "https",
    signing_key_pem: bytes | None = None,
    ca_pem: bytes | None = None,
) -> None:
    await ensure_identity(ctx, signing_key_pem, ca_pem)
    await ensure_default_namespaces(ctx)
    await asyncio.gather(
        ensure_cluster_info(ctx, advertise_address, scheme),
        ensure_kubernetes_service(ctx, advertise_address),
        ensure_system_priority_classes(ctx),
        ensure_default_storage_class(ctx),
        ensure_api_services(ctx),
        ensure_bootstrap_policy(ctx),
    )
    ctx.bootstrapped.set()
