"""Which nodes a DaemonSet's pod belongs on, and the pod made for one node (pure).

node + template ──node_fit()──► (should_run, should_continue_running), Kubernetes' rules:
    spec.nodeName, nodeSelector and required node affinity must match the node, else neither
    an untolerated NoExecute taint ──► neither; an untolerated NoSchedule taint ──► no new pod,
    an existing one keeps running
template + node name ──pod_for_node()──► the pod, placed through the scheduler like Kubernetes:
    required node affinity replaced by `matchFields metadata.name In [node]`, plus the
    tolerations every daemon pod gets (not-ready / unreachable NoExecute, pressure and
    unschedulable NoSchedule, network-unavailable with hostNetwork)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from controller_manager.history import REVISION_HASH_LABEL
from controller_manager.ownership import meta, new_controller_ref
from kubemini.api.node_affinity import FIELD_NODE_NAME, any_term_matches, required_terms
from kubemini.api.tolerations import NO_EXECUTE, NO_SCHEDULE, untolerated_taints

TEMPLATE_GENERATION_LABEL = "pod-template-generation"
DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", NO_EXECUTE),
    ("node.kubernetes.io/unreachable", NO_EXECUTE),
    ("node.kubernetes.io/disk-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/memory-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/pid-pressure", NO_SCHEDULE),
    ("node.kubernetes.io/unschedulable", NO_SCHEDULE),
)
HOST_NETWORK_TOLERATION = ("node.kubernetes.io/network-unavailable", NO_SCHEDULE)

Obj = dict[str, Any]


def _pod_spec(ds: Mapping[str, Any]) -> Mapping[str, Any]:
    return ((ds.get("spec") or {}).get("template") or {}).get("spec") or {}


def daemon_tolerations(pod_spec: Mapping[str, Any]) -> list[Obj]:
    """The pod's tolerations plus the ones Kubernetes adds to every daemon pod (no duplicates)."""
    tolerations = [dict(t) for t in pod_spec.get("tolerations") or []]
    wanted = list(DAEMON_TOLERATIONS)
    if pod_spec.get("hostNetwork"):
        wanted.append(HOST_NETWORK_TOLERATION)
    for key, effect in wanted:
        if not any(
            t.get("key") == key and t.get("effect") == effect and t.get("operator") == "Exists" for t in tolerations
        ):
            tolerations.append({"key": key, "operator": "Exists", "effect": effect})
    return tolerations


def node_fit(ds: Mapping[str, Any], node: Mapping[str, Any]) -> tuple[bool, bool]:
    spec = _pod_spec(ds)
    name = meta(node)["name"]
    labels = meta(node).get("labels") or {}
    if spec.get("nodeName") and spec["nodeName"] != name:
        return False, False
    selector = spec.get("nodeSelector") or {}
    if any(labels.get(key) != value for key, value in selector.items()):
        return False, False
    terms = required_terms(spec)
    if terms is not None and not any_term_matches(terms, labels, name):
        return False, False
    tolerations = daemon_tolerations(spec)
    taints = (node.get("spec") or {}).get("taints") or []
    if untolerated_taints(taints, tolerations, effects=(NO_EXECUTE,)):
        return False, False
    if untolerated_taints(taints, tolerations, effects=(NO_SCHEDULE,)):
        return False, True
    return True, True


def target_node(pod: Mapping[str, Any]) -> str | None:
    """The node a daemon pod is for: where it is bound, else the name its node affinity pins."""
    spec = pod.get("spec") or {}
    if spec.get("nodeName"):
        return str(spec["nodeName"])
    required = ((spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    )
    for term in (required or {}).get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if (
                field.get("key") == FIELD_NODE_NAME
                and field.get("operator") == "In"
                and len(field.get("values") or []) == 1
            ):
                return str(field["values"][0])
    return None


def pod_for_node(ds: Mapping[str, Any], node_name: str, *, revision_hash: str) -> Obj:
    template = copy.deepcopy((ds.get("spec") or {}).get("template") or {})
    template_meta = template.get("metadata") or {}
    spec = template.get("spec") or {}
    labels = {
        **(template_meta.get("labels") or {}),
        REVISION_HASH_LABEL: revision_hash,
        TEMPLATE_GENERATION_LABEL: str(meta(ds).get("generation") or 1),
    }
    affinity = spec.setdefault("affinity", {})
    node_affinity = affinity.setdefault("nodeAffinity", {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {
        "nodeSelectorTerms": [{"matchFields": [{"key": FIELD_NODE_NAME, "operator": "In", "values": [node_name]}]}]
    }
    spec["tolerations"] = daemon_tolerations(spec)
    metadata: Obj = {
        "generateName": f"{meta(ds)['name']}-",
        "namespace": meta(ds).get("namespace"),
        "labels": labels,
        "ownerReferences": [new_controller_ref(ds)],
    }
    if template_meta.get("annotations"):
        metadata["annotations"] = dict(template_meta["annotations"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec}
