"""The labels every container the kubelet creates carries: its only memory of what it runs.

A container belongs to the kubelet only when it has `io.kubemini.managed=true`
*and* the node's name in `io.kubemini.node`; nothing else is ever listed,
stopped or removed. The sandbox of a pod is the container named `POD`, as in
the Kubernetes dockershim.
"""

from __future__ import annotations

MANAGED = "io.kubemini.managed"
NODE = "io.kubemini.node"
POD_UID = "io.kubemini.pod.uid"
POD_NAMESPACE = "io.kubemini.pod.namespace"
POD_NAME = "io.kubemini.pod.name"
CONTAINER = "io.kubemini.container"
RESTART_COUNT = "io.kubemini.restart-count"
# Hash of the container's spec: a changed hash (new image, ...) means "restart with the new spec".
SPEC_HASH = "io.kubemini.container.hash"
INIT = "io.kubemini.container.init"
# The sandbox an app container joined: one from an earlier sandbox is in a network namespace gone by.
SANDBOX_ID = "io.kubemini.sandbox.id"
SANDBOX_CONTAINER = "POD"


def pod_labels(pod: dict, *, node: str, container: str) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    return {
        MANAGED: "true",
        NODE: node,
        POD_UID: meta.get("uid", ""),
        POD_NAMESPACE: meta.get("namespace", ""),
        POD_NAME: meta.get("name", ""),
        CONTAINER: container,
    }


def node_filter(node: str, pod_uid: str | None = None) -> list[str]:
    """Docker `label` filters (all must match) selecting this node's containers."""
    filters = [f"{MANAGED}=true", f"{NODE}={node}"]
    if pod_uid:
        filters.append(f"{POD_UID}={pod_uid}")
    return filters
