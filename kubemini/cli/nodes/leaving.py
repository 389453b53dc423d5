"""`kubemini leave`: take a node out of the cluster, as `kubectl drain` + `kubectl delete node` + a reset.

kubemini leave NODE      (on the control plane, with the admin kubeconfig of <home>)
    ──► cordon (spec.unschedulable) ──► evict every pod on it except DaemonSet and mirror pods
        (the Eviction API, so PodDisruptionBudgets are honoured; 429 retried until the deadline)
    ──► wait until they are gone ──► delete the Node
    ──► a node container of this cluster with that name: removed with its engine's volume
kubemini leave --local   (on the node itself)
    ──► its kubelet and kube-proxy stopped, join.json removed; the kubelet's pod network
        (routes, VXLAN device, rules) removed by `python -m kubelet --cleanup-pod-network`
"""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import TextIO

import httpx

from kubemini.cli.layout import ClusterHome
from kubemini.cli.nodes.containers import remove_node_container
from kubemini.cli.nodes.joining import join_config_path
from kubemini.cli.starting import child_environment
from kubemini.cli.stopping import stop_all
from kubemini.client.kubeconfig import resolve_config

DRAIN_DEADLINE_SECONDS = 120.0
STOP_DEADLINE_SECONDS = 600.0
# A kubelet renews its Lease every 10 s: one not renewed for longer than its 40 s duration has stopped.
STOPPED_AFTER_SECONDS = 40.0
CLEANUP_TIMEOUT_SECONDS = 60


class LeaveError(RuntimeError):
    pass


def pods_to_evict(pods: list[dict]) -> list[dict]:
    """What a drain moves: not DaemonSet pods (their controller puts them back), not mirror pods,
    not pods already finished."""
    chosen = []
    for pod in pods:
        metadata = pod.get("metadata", {})
        if any(owner.get("kind") == "DaemonSet" for owner in metadata.get("ownerReferences", [])):
            continue
        if "kubernetes.io/config.mirror" in metadata.get("annotations", {}):
            continue
        if pod.get("status", {}).get("phase") in ("Succeeded", "Failed"):
            continue
        chosen.append(pod)
    return chosen


def _pods_on(api: httpx.Client, node: str) -> list[dict]:
    response = api.get("/api/v1/pods", params={"fieldSelector": f"spec.nodeName={node}"})
    response.raise_for_status()
    return response.json().get("items", [])


def drain(api: httpx.Client, node: str, *, deadline_seconds: float, out: TextIO) -> None:
    patched = api.patch(
        f"/api/v1/nodes/{node}",
        json={"spec": {"unschedulable": True}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    if patched.status_code == 404:
        raise LeaveError(f'node "{node}" not found')
    patched.raise_for_status()
    print(f"node/{node} cordoned", file=out)
    deadline = time.monotonic() + deadline_seconds
    while True:
        remaining = pods_to_evict(_pods_on(api, node))
        if not remaining:
            break
        if time.monotonic() > deadline:
            names = ", ".join(p["metadata"]["name"] for p in remaining)
            raise LeaveError(f"pods still on {node} after {deadline_seconds:.0f}s: {names}")
        for pod in remaining:
            metadata = pod["metadata"]
            eviction = {
                "apiVersion": "policy/v1",
                "kind": "Eviction",
                "metadata": {"name": metadata["name"], "namespace": metadata["namespace"]},
            }
            path = f"/api/v1/namespaces/{metadata['namespace']}/pods/{metadata['name']}/eviction"
            response = api.post(path, json=eviction)
            if response.status_code not in (201, 404, 429):
                response.raise_for_status()
        time.sleep(1.0)
    print(f"node/{node} drained", file=out)


def lease_age_seconds(lease: dict, now: datetime) -> float:
    renewed = (lease.get("spec") or {}).get("renewTime")
    if not renewed:
        return float("inf")
    return (now - datetime.fromisoformat(renewed.replace("Z", "+00:00"))).total_seconds()


def wait_for_kubelet_to_stop(api: httpx.Client, node: str, *, deadline_seconds: float, out: TextIO) -> None:
    print(f"waiting for the kubelet of {node} to stop: run `kubemini leave --local` on it", file=out)
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        response = api.get(f"/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/{node}")
        if response.status_code == 404:
            return
        response.raise_for_status()
        if lease_age_seconds(response.json(), datetime.now(UTC)) > STOPPED_AFTER_SECONDS:
            return
        time.sleep(2.0)
    raise LeaveError(f"the kubelet of {node} still renews its Lease after {deadline_seconds:.0f}s; Node kept")


def delete_node(api: httpx.Client, node: str, *, out: TextIO) -> None:
    deleted = api.delete(f"/api/v1/nodes/{node}")
    if deleted.status_code not in (200, 404):
        deleted.raise_for_status()
    print(f"node/{node} drained and deleted", file=out)


def leave_cluster(
    home: ClusterHome, node: str, *, deadline_seconds: float = DRAIN_DEADLINE_SECONDS, out: TextIO
) -> int:
    if not home.kubeconfig_path.exists():
        print(f"error: no admin kubeconfig at {home.kubeconfig_path}: run this on the control plane", file=out)
        return 1
    admin = resolve_config(kubeconfig=home.kubeconfig_path)
    try:
        with httpx.Client(
            base_url=admin.server, verify=admin.ssl_context(), headers=admin.headers(), timeout=30.0
        ) as api:
            drain(api, node, deadline_seconds=deadline_seconds, out=out)
            if remove_node_container(node):
                print(f"node container {node} removed", file=out)
            else:
                wait_for_kubelet_to_stop(api, node, deadline_seconds=STOP_DEADLINE_SECONDS, out=out)
            delete_node(api, node, out=out)
    except (LeaveError, httpx.HTTPError) as error:
        print(f"error: {error}", file=out)
        return 1
    return 0


def leave_locally(home: ClusterHome, *, out: TextIO) -> int:
    stopped = stop_all(home, timeout_seconds=10.0, out=out)
    result = subprocess.run(
        [sys.executable, "-m", "kubelet", "--cleanup-pod-network"],
        env=child_environment(),
        capture_output=True,
        text=True,
        timeout=CLEANUP_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        print(f"pod network cleanup failed: {result.stderr.strip()[-300:]}", file=out)
    join_config_path(home).unlink(missing_ok=True)
    print("this machine left the cluster" if stopped else "error: some processes did not stop", file=out)
    return 0 if stopped and result.returncode == 0 else 1
