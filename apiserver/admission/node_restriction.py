"""NodeRestriction: a kubelet (`system:node:<name>` in system:nodes) may change only what belongs to its node.

    pods        create: mirror pods only (annotation kubernetes.io/config.mirror), bound to itself, owned by
                its Node if owned at all, using no service account, secret, configmap or claim
                update of status / delete / eviction: pods with spec.nodeName = itself; nothing else
    nodes       only its own Node; on create no labels in the forbidden kubernetes.io set
                (node-restriction.kubernetes.io/...); on update no taint changes and no such label changes
    leases      only in kube-node-lease, only named for itself
    tokens      only bound to a pod on itself
    events      anything
Other users pass untouched. Messages as kube-apiserver's plugin/pkg/admission/noderestriction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiserver.admission import CREATE, DELETE, UPDATE, AdmissionPlugin, Attributes, forbidden

MIRROR_ANNOTATION = "kubernetes.io/config.mirror"
NODE_LEASE_NAMESPACE = "kube-node-lease"
RESTRICTION_PREFIX = "node-restriction.kubernetes.io/"
KUBELET_LABELS = frozenset(
    {
        "kubernetes.io/hostname",
        "kubernetes.io/arch",
        "kubernetes.io/os",
        "beta.kubernetes.io/arch",
        "beta.kubernetes.io/os",
        "beta.kubernetes.io/instance-type",
        "node.kubernetes.io/instance-type",
        "failure-domain.beta.kubernetes.io/zone",
        "failure-domain.beta.kubernetes.io/region",
        "topology.kubernetes.io/zone",
        "topology.kubernetes.io/region",
    }
)
KUBELET_LABEL_NAMESPACES = ("kubelet.kubernetes.io", "node.kubernetes.io")


def forbidden_label(key: str) -> bool:
    """A kubernetes.io / k8s.io label a kubelet may not set on its Node (it could steer workloads to itself)."""
    prefix = key.partition("/")[0] if "/" in key else ""
    if key.startswith(RESTRICTION_PREFIX):
        return True
    kubernetes = prefix in ("kubernetes.io", "k8s.io") or prefix.endswith((".kubernetes.io", ".k8s.io"))
    if not kubernetes or key in KUBELET_LABELS:
        return False
    return not any(prefix == ns or prefix.endswith("." + ns) for ns in KUBELET_LABEL_NAMESPACES)


def modified_labels(new: Mapping[str, str], old: Mapping[str, str]) -> set[str]:
    return {k for k in set(new) | set(old) if new.get(k) != old.get(k)}


def _meta(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (obj or {}).get("metadata") or {}


def _uses(spec: Mapping[str, Any], source: str) -> bool:
    return any(v.get(source) is not None for v in spec.get("volumes") or [])


def mirror_pod_problem(node: str, pod: Mapping[str, Any]) -> str | None:
    meta, spec = _meta(pod), pod.get("spec") or {}
    if MIRROR_ANNOTATION not in (meta.get("annotations") or {}):
        return f'pod does not have "{MIRROR_ANNOTATION}" annotation, node "{node}" can only create mirror pods'
    if spec.get("nodeName") != node:
        return f'node "{node}" can only create pods with spec.nodeName set to itself'
    owners = meta.get("ownerReferences") or []
    if len(owners) > 1:
        return f'node "{node}" can only create pods with a single owner reference set to itself'
    if owners and (owners[0].get("kind") != "Node" or owners[0].get("name") != node):
        return f'node "{node}" can only create pods with an owner reference set to itself'
    if spec.get("serviceAccountName") not in (None, "", "default") or spec.get("automountServiceAccountToken"):
        return f'node "{node}" can not create pods that use service accounts'
    containers = [c for s in ("containers", "initContainers") for c in spec.get(s) or []]
    env_from = [e for c in containers for e in c.get("envFrom") or []]
    env_refs = [(e.get("valueFrom") or {}) for c in containers for e in c.get("env") or []]
    if _uses(spec, "secret") or any("secretRef" in e for e in env_from) or any("secretKeyRef" in r for r in env_refs):
        return f'node "{node}" can not create pods that reference secrets'
    if (
        _uses(spec, "configMap")
        or any("configMapRef" in e for e in env_from)
        or any("configMapKeyRef" in r for r in env_refs)
    ):
        return f'node "{node}" can not create pods that reference configmaps'
    if _uses(spec, "persistentVolumeClaim") or _uses(spec, "ephemeral"):
        return f'node "{node}" can not create pods that reference persistentvolumeclaims'
    return None


class NodeRestriction(AdmissionPlugin):
    name = "NodeRestriction"

    def handles(self, attrs: Attributes) -> bool:
        return (
            not attrs.record.group
            and attrs.record.kind in ("Pod", "Node", "ServiceAccount")
            or (attrs.record.group == "coordination.k8s.io" and attrs.record.kind == "Lease")
        )

    async def validate(self, ctx, attrs: Attributes) -> None:
        node = ctx.user.node_name
        if node is None:
            return
        kind = attrs.record.kind
        problem = None
        if kind == "Pod":
            problem = self._pod(node, attrs)
        elif kind == "Node":
            problem = self._node(node, attrs)
        elif kind == "Lease":
            problem = self._lease(node, attrs)
        elif kind == "ServiceAccount" and attrs.subresource == "token":
            problem = self._token(node, attrs)
        if problem:
            raise forbidden(attrs, problem)

    @staticmethod
    def _pod(node: str, attrs: Attributes) -> str | None:
        current = attrs.old if attrs.operation == UPDATE else attrs.obj
        bound = ((current or {}).get("spec") or {}).get("nodeName")
        if attrs.subresource is None and attrs.operation == CREATE:
            return mirror_pod_problem(node, attrs.obj)
        if attrs.subresource == "status":
            return (
                None
                if bound == node
                else f'node "{node}" can only update pod status for pods with spec.nodeName set to itself'
            )
        if attrs.subresource == "eviction":
            return None if bound == node else f"node {node} can only evict pods with spec.nodeName set to itself"
        if attrs.operation == DELETE and attrs.subresource is None:
            return None if bound == node else f'node "{node}" can only delete pods with spec.nodeName set to itself'
        return f'unexpected operation "{attrs.operation}", node "{node}" can only create and delete mirror pods'

    @staticmethod
    def _node(node: str, attrs: Attributes) -> str | None:
        requested = _meta(attrs.obj).get("name")
        if requested != node:
            return f'node "{node}" is not allowed to modify node "{requested}"'
        labels = _meta(attrs.obj).get("labels") or {}
        if attrs.operation == CREATE:
            bad = sorted(k for k in modified_labels(labels, {}) if forbidden_label(k))
            if bad:
                return f'node "{node}" is not allowed to set the following labels: {", ".join(bad)}'
        if attrs.operation == UPDATE and attrs.old is not None:
            if ((attrs.obj.get("spec") or {}).get("taints") or []) != (
                (attrs.old.get("spec") or {}).get("taints") or []
            ):
                return f'node "{node}" is not allowed to modify taints'
            bad = sorted(k for k in modified_labels(labels, _meta(attrs.old).get("labels") or {}) if forbidden_label(k))
            if bad:
                return f"is not allowed to modify labels: {', '.join(bad)}"
        return None

    @staticmethod
    def _lease(node: str, attrs: Attributes) -> str | None:
        if attrs.namespace != NODE_LEASE_NAMESPACE:
            return f'can only access leases in the "{NODE_LEASE_NAMESPACE}" namespace'
        if _meta(attrs.obj).get("name") != node:
            return "can only access node lease with the same name as the requesting node"
        return None

    @staticmethod
    def _token(node: str, attrs: Attributes) -> str | None:
        bound = attrs.notes.get("token_bound")
        if bound is None or bound[0] != "Pod":
            return "node requested token not bound to a pod"
        if ((bound[1].get("spec") or {}).get("nodeName")) != node:
            return "node requested token bound to a pod scheduled on a different node"
        return None
