"""Scripted nodes: hollow nodes whose pods run, succeed and fail as each test says, in one background thread.

    start() ──► Node objects (Ready, capacity, label `node.kubemini.io/scripted=true`) + Leases renewed
    pods bound to them (the real scheduler binds) ──► Running + Ready at once
        annotation `scripted.kubemini.io/exit-code` (per index: `...exit-code-<i>`) and `run-seconds`
            ──► after run-seconds the container terminates with that code: phase Succeeded or Failed
        `scripted.kubemini.io/fail-first: N` ──► the first N attempts of a Job index (or of a Job, when
            NonIndexed) exit with `fail-code` (default 1), the later ones with `exit-code`
        no exit-code ──► runs until deleted
    deletionTimestamp ──► like a kubelet: phase Failed (exit 137, unless already finished), then DELETE grace 0

The fake runtime of `python -m kubelet --runtime fake` only runs containers forever, so
workloads that finish (Jobs) are driven from here, as Kubernetes' own job-controller
integration tests set pod phases themselves. Everything else is real: etcd, apiserver,
scheduler, controller-manager. `attempts` counts pods started per (job, index).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Mapping
from typing import Any

from kubemini.api import timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError, NotFound
from kubemini.client.informer import Informer
from tests.integration.controller_manager.background import START_DEADLINE_SECONDS, BackgroundLoop

NODE, POD, LEASE = by_kind("Node"), by_kind("Pod"), by_kind("Lease")
SCRIPTED_LABEL = "node.kubemini.io/scripted"
SCRIPTED_TAINT = {"key": SCRIPTED_LABEL, "value": "true", "effect": "NoSchedule"}
PREFIX = "scripted.kubemini.io/"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEASE_RENEW_SECONDS = 1.0
TICK_SECONDS = 0.02

Obj = dict[str, Any]


def _annotations(pod: Mapping[str, Any]) -> Mapping[str, str]:
    return (pod.get("metadata") or {}).get("annotations") or {}


def planned_exit(pod: Mapping[str, Any], attempt: int) -> int | None:
    """The exit code this attempt (1 = first) of the pod's job index ends with; None = runs forever."""
    notes = _annotations(pod)
    index = notes.get(INDEX_ANNOTATION)
    if index is not None and f"{PREFIX}exit-code-{index}" in notes:
        code: str | None = notes[f"{PREFIX}exit-code-{index}"]
    else:
        code = notes.get(f"{PREFIX}exit-code")
    if attempt <= int(notes.get(f"{PREFIX}fail-first", "0")):
        return int(notes.get(f"{PREFIX}fail-code", "1"))
    return int(code) if code is not None else None


def _container_states(pod: Mapping[str, Any], *, state: Obj, ready: bool) -> list[Obj]:
    return [
        {
            "name": c["name"],
            "image": c.get("image", ""),
            "imageID": "",
            "ready": ready,
            "started": "running" in state,
            "restartCount": 0,
            "state": state,
        }
        for c in (pod.get("spec") or {}).get("containers") or []
    ]


def _conditions(ready: bool, *, reason: str = "") -> list[Obj]:
    now = timestamps.now()
    out = []
    for kind in ("Initialized", "Ready", "ContainersReady", "PodScheduled"):
        ok = ready or kind in ("Initialized", "PodScheduled")
        entry: Obj = {"type": kind, "status": "True" if ok else "False", "lastTransitionTime": now}
        if not ok and reason:
            entry["reason"] = reason
        out.append(entry)
    return out


class ScriptedNodes(BackgroundLoop):
    thread_name = "scripted-nodes"

    def __init__(
        self,
        server: str,
        names: list[str],
        *,
        labels: Mapping[str, str] | None = None,
        taints: list[Obj] | None = None,
    ):
        super().__init__()
        self.server = server
        self.names = list(names)
        self.labels = dict(labels or {})
        self.taints = list(taints or [])
        self.attempts: Counter[tuple[str, str, str]] = Counter()
        self.max_running: dict[tuple[str, str], int] = {}  # (namespace, job name) → most pods seen running at once
        self.finished: dict[str, tuple[str, int]] = {}  # pod uid → (phase, exit code), as written
        self._started: dict[str, float] = {}  # pod uid → monotonic start
        self._attempt_of: dict[str, int] = {}  # pod uid → which attempt of its (job, index) it is
        self._delete_nodes = True
        self._ips = iter(range(1, 1_000_000))

    def stop(self, *, delete_nodes: bool = True) -> None:
        self._delete_nodes = delete_nodes
        super().stop()

    async def main(self) -> None:
        async with ApiClient(self.server) as client:
            for name in self.names:
                await self._register(client, name)
            pods = Informer(client, POD)
            pods.start()
            await pods.wait_for_sync(START_DEADLINE_SECONDS)
            self.ready()
            last_renew = 0.0
            try:
                while not self.stopping.is_set():
                    if time.monotonic() - last_renew > LEASE_RENEW_SECONDS:
                        await asyncio.gather(*(self._renew(client, name) for name in self.names))
                        last_renew = time.monotonic()
                    mine = [p for name in self.names for p in pods.by_index("spec.nodeName", name)]
                    await asyncio.gather(*(self._sync_pod(client, pod) for pod in mine), return_exceptions=True)
                    self._note_running(mine)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self.stopping.wait(), TICK_SECONDS)
            finally:
                await pods.stop()
                if self._delete_nodes:
                    for name in self.names:
                        with contextlib.suppress(ApiError):
                            await client.delete(NODE, name)

    def _note_running(self, pods: list[Obj]) -> None:
        running: Counter[tuple[str, str]] = Counter()
        for pod in pods:
            meta = pod["metadata"]
            if (pod.get("status") or {}).get("phase") == "Running" and not meta.get("deletionTimestamp"):
                running[(meta["namespace"], (meta.get("labels") or {}).get(JOB_NAME_LABEL, ""))] += 1
        for key, count in running.items():
            self.max_running[key] = max(self.max_running.get(key, 0), count)

    # -- the node ------------------------------------------------------------------------------

    async def _register(self, client: ApiClient, name: str) -> None:
        labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", SCRIPTED_LABEL: "true", **self.labels}
        with contextlib.suppress(ApiError):
            node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}
            if self.taints:
                node["spec"] = {"taints": self.taints}
            await client.create(NODE, node)
        now = timestamps.now()
        capacity = {"cpu": "32", "memory": "64Gi", "pods": "250"}
        status = {
            "capacity": capacity,
            "allocatable": capacity,
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "KubeletReady",
                    "message": "scripted",
                    "lastHeartbeatTime": now,
                    "lastTransitionTime": now,
                },
            ],  # fmt: skip
            "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}, {"type": "Hostname", "address": name}],
        }
        await client.patch(NODE, name, {"status": status}, subresource="status")
        await self._renew(client, name)

    async def _renew(self, client: ApiClient, name: str) -> None:
        spec = {"holderIdentity": name, "leaseDurationSeconds": 40, "renewTime": timestamps.now_micro()}
        try:
            await client.patch(LEASE, name, {"spec": spec}, namespace="kube-node-lease")
        except NotFound:
            with contextlib.suppress(ApiError):
                body = {"metadata": {"name": name, "namespace": "kube-node-lease"}, "spec": spec}
                await client.create(LEASE, body, namespace="kube-node-lease")

    # -- pods ----------------------------------------------------------------------------------

    async def _sync_pod(self, client: ApiClient, pod: Obj) -> None:
        meta, status = pod["metadata"], pod.get("status") or {}
        uid, phase = meta["uid"], status.get("phase")
        if meta.get("deletionTimestamp"):
            if phase not in ("Succeeded", "Failed") and uid not in self.finished:
                await self._finish(client, pod, 137, reason="Error")
            with contextlib.suppress(ApiError):
                await client.delete(POD, meta["name"], namespace=meta["namespace"], grace_period_seconds=0,
                                    preconditions={"uid": uid})  # fmt: skip
            return
        if uid in self.finished or phase in ("Succeeded", "Failed"):
            return
        if uid not in self._started:
            key = (meta["namespace"], (meta.get("labels") or {}).get(JOB_NAME_LABEL, meta["name"]),
                   _annotations(pod).get(INDEX_ANNOTATION, ""))  # fmt: skip
            self.attempts[key] += 1
            self._started[uid] = time.monotonic()
            self._attempt_of[uid] = self.attempts[key]
            await self._write(client, pod, self._running_status(pod))
            return
        code = planned_exit(pod, self._attempt_of.get(uid, 1))
        run_seconds = float(_annotations(pod).get(f"{PREFIX}run-seconds", "0"))
        if code is not None and time.monotonic() - self._started[uid] >= run_seconds:
            await self._finish(client, pod, code, reason="Completed" if code == 0 else "Error")

    def _running_status(self, pod: Mapping[str, Any]) -> Obj:
        n = next(self._ips)
        now = timestamps.now()
        return {
            "phase": "Running",
            "conditions": _conditions(True),
            "podIP": f"10.251.{n // 250 % 250}.{n % 250 + 1}",
            "hostIP": "127.0.0.1",
            "startTime": now,
            "containerStatuses": _container_states(pod, state={"running": {"startedAt": now}}, ready=True),
        }

    async def _finish(self, client: ApiClient, pod: Obj, code: int, *, reason: str) -> None:
        phase = "Succeeded" if code == 0 else "Failed"
        now = timestamps.now()
        terminated = {"terminated": {"exitCode": code, "reason": reason, "startedAt": now, "finishedAt": now}}
        status = {
            "phase": phase,
            "conditions": _conditions(False, reason="PodCompleted"),
            "containerStatuses": _container_states(pod, state=terminated, ready=False),
        }
        if await self._write(client, pod, status):
            self.finished[pod["metadata"]["uid"]] = (phase, code)

    async def _write(self, client: ApiClient, pod: Mapping[str, Any], status: Obj) -> bool:
        meta = pod["metadata"]
        # Like a kubelet, keep the conditions others own (DisruptionTarget from an eviction).
        ours = {c["type"] for c in status.get("conditions") or []}
        foreign = [c for c in (pod.get("status") or {}).get("conditions") or [] if c.get("type") not in ours]
        status = {**status, "conditions": [*(status.get("conditions") or []), *foreign]}
        try:
            await client.patch(POD, meta["name"], {"metadata": {"uid": meta["uid"]}, "status": status},
                               namespace=meta["namespace"], subresource="status")  # fmt: skip
        except ApiError:
            return False
        return True
