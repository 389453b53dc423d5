"""A Deployment rolled out in real Docker against raw sequential `docker run -d`, plus self-healing times.

    baseline: `docker run -d <image> sleep 3600` N times, one after the other (after a warm-up run)
    rollout:  POST an N-replica Deployment ──► watch until status.availableReplicas == N
              (the scheduler binds, the ReplicaSet controller creates in slow-start batches, the kubelet
              starts two containers per pod: pause + app)
    replace:  DELETE a running pod ──► its replacement seen Running on the watch      (×3, median)
    restart:  `docker kill` a pod's app container ──► the pod Running again with restartCount + 1 (×3)

Everything runs here on free loopback ports: etcd, apiserver, `python -m scheduler`,
`python -m controller_manager`, `python -m kubelet` on the Docker engine. Containers
are labelled with this run and removed at the end, even on failure.
Targets (issue #6): rollout ≤ 1.2× the raw sequential time; replace and restart ≤ 1 s.

    .venv/bin/python bench/rollout.py [--replicas 20] [--image kubemini/busybox:1.35] [--parallel-pod-starts N]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubemini.api.registry import ResourceType, by_kind  # noqa: E402
from kubemini.client.api_client import ApiClient  # noqa: E402
from tests.integration.controller_manager.cluster import ControllerManager, Scheduler, spawn, terminate  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

POD, DEPLOYMENT, NAMESPACE = by_kind("Pod"), by_kind("Deployment"), by_kind("Namespace")
COMMAND = ["sleep", "3600"]
BENCH_LABEL = "io.kubemini.bench"
NODE_LABEL = "io.kubemini.node"
DEADLINE_SECONDS = 180.0
HEAL_ROUNDS = 3
ROLLOUT_TARGET, HEAL_TARGET_SECONDS = 1.2, 1.0


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, timeout=120).stdout.strip()


def raw_sequential(count: int, *, image: str, run_id: str) -> float:
    started = time.perf_counter()
    for _ in range(count):
        docker("run", "-d", "--label", f"{BENCH_LABEL}={run_id}", image, *COMMAND)
    return time.perf_counter() - started


def remove_labelled(label: str) -> None:
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True).stdout
    if ids.split():
        subprocess.run(["docker", "rm", "-f", *ids.split()], capture_output=True, timeout=300)


class Follower:
    """One watch; the latest object of each name, and a wait for a condition over all of them."""

    def __init__(self, api: ApiClient, rt: ResourceType, namespace: str):
        self.api, self.rt, self.namespace = api, rt, namespace
        self.objects: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.milestones: dict[str, float] = {}
        self._pending: dict[str, Callable[[dict[str, dict[str, Any]]], Any]] = {}

    def mark_when(self, name: str, predicate: Callable[[dict[str, dict[str, Any]]], Any]) -> None:
        """Record in `milestones[name]` the perf_counter() of the first event after which `predicate` holds."""
        self._pending[name] = predicate

    async def start(self) -> None:
        listing = await self.api.list(self.rt, namespace=self.namespace)
        self.objects = {o["metadata"]["name"]: o for o in listing["items"]}
        self._task = asyncio.create_task(self._follow(listing["metadata"]["resourceVersion"]))

    async def _follow(self, rv: str) -> None:
        async for event in self.api.watch(self.rt, namespace=self.namespace, resource_version=rv):
            name = (event.object.get("metadata") or {}).get("name")
            if event.type == "DELETED":
                self.objects.pop(name, None)
            elif event.type in ("ADDED", "MODIFIED"):
                self.objects[name] = event.object
            for milestone, predicate in list(self._pending.items()):
                if predicate(self.objects):
                    self.milestones[milestone] = time.perf_counter()
                    del self._pending[milestone]
            self._changed.set()

    async def until(self, predicate: Callable[[dict[str, dict[str, Any]]], Any], *, what: str) -> float:
        """perf_counter() of the first event after which `predicate(objects)` holds."""
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not predicate(self.objects):
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"{what}: not within {DEADLINE_SECONDS}s")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)
        return time.perf_counter()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


def running(pod: dict[str, Any]) -> bool:
    meta, status = pod.get("metadata") or {}, pod.get("status") or {}
    return not meta.get("deletionTimestamp") and status.get("phase") == "Running"


def restarts(pod: dict[str, Any]) -> int:
    return sum(int(s.get("restartCount") or 0) for s in (pod.get("status") or {}).get("containerStatuses") or [])


def app_running(pod: dict[str, Any]) -> bool:
    statuses = (pod.get("status") or {}).get("containerStatuses") or []
    return running(pod) and all("running" in (s.get("state") or {}) for s in statuses)


def app_container(node: str, pod_name: str) -> str:
    """The id of the pod's running app container (Docker may lag the pod status by a moment)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        found = docker(
            "ps", "-q", "--filter", f"label={NODE_LABEL}={node}", "--filter", f"label=io.kubemini.pod.name={pod_name}",
            "--filter", "label=io.kubemini.container=app", "--filter", "status=running",
        ).split()  # fmt: skip
        if found:
            return found[0]
        time.sleep(0.05)
    raise TimeoutError(f"no running app container for pod {pod_name}")


def deployment_body(replicas: int, image: str) -> dict[str, Any]:
    labels = {"app": "bench"}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "bench"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "terminationGracePeriodSeconds": 0,
                    "containers": [{"name": "app", "image": image, "command": COMMAND}],
                },
            },
        },
    }


async def measure(api: ApiClient, *, replicas: int, image: str, node: str) -> dict[str, Any]:
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    await api.create(NAMESPACE, {"metadata": {"name": namespace}})
    pods, deployments = Follower(api, POD, namespace), Follower(api, DEPLOYMENT, namespace)
    await pods.start()
    await deployments.start()
    try:
        pods.mark_when("created", lambda objs: len(objs) >= replicas)
        pods.mark_when(
            "bound", lambda objs: sum(1 for p in objs.values() if (p.get("spec") or {}).get("nodeName")) >= replicas
        )
        created = time.perf_counter()
        await api.create(DEPLOYMENT, deployment_body(replicas, image), namespace=namespace)
        all_running = await pods.until(
            lambda objs: sum(1 for p in objs.values() if running(p)) >= replicas, what="pods Running"
        )
        available = await deployments.until(
            lambda objs: ((objs.get("bench") or {}).get("status") or {}).get("availableReplicas") == replicas,
            what="deployment available",
        )
        replaced = []
        for _ in range(HEAL_ROUNDS):
            victim = sorted(n for n, p in pods.objects.items() if running(p))[0]
            before = set(pods.objects)
            started = time.perf_counter()
            await api.delete(POD, victim, namespace=namespace)
            done = await pods.until(
                lambda objs, before=before: any(running(p) for n, p in objs.items() if n not in before),
                what="replacement Running",
            )
            replaced.append(done - started)
            await pods.until(lambda objs: sum(1 for p in objs.values() if running(p)) == replicas, what="settled")
        restarted = []
        for name in sorted(n for n, p in pods.objects.items() if app_running(p))[:HEAL_ROUNDS]:
            count = restarts(pods.objects[name])
            container = app_container(node, name)
            started = time.perf_counter()
            docker("kill", container)
            done = await pods.until(
                lambda objs, name=name, count=count: (
                    name in objs and restarts(objs[name]) > count and app_running(objs[name])
                ),
                what=f"{name} restarted",
            )
            restarted.append(done - started)
        return {
            "created": pods.milestones["created"] - created,
            "bound": pods.milestones["bound"] - created,
            "running": all_running - created,
            "available": available - created,
            "replaced": replaced,
            "restarted": restarted,
        }
    finally:
        await pods.stop()
        await deployments.stop()
        with contextlib.suppress(Exception):
            await api.delete(NAMESPACE, namespace)


def report(raw: float, result: dict[str, Any], replicas: int) -> None:
    rows = [
        (f"raw docker run -d ×{replicas}, sequential", raw, 1.0),
        (f"deployment: {replicas} pods created (RS controller)", result["created"], result["created"] / raw),
        (f"deployment: {replicas} pods bound (scheduler)", result["bound"], result["bound"] / raw),
        (f"deployment: {replicas} pods Running (kubelet)", result["running"], result["running"] / raw),
        (f"deployment: {replicas} available", result["available"], result["available"] / raw),
        ("deleted pod → replacement Running (median)", statistics.median(result["replaced"]), None),
        ("killed container → Running again (median)", statistics.median(result["restarted"]), None),
    ]
    print(f"{'measure':46} {'seconds':>8} {'× raw':>7}")
    for name, seconds, ratio in rows:
        print(f"{name:46} {seconds:8.2f} {'' if ratio is None else f'{ratio:7.2f}'}")
    print(f"{'  replacement rounds':46} {' '.join(f'{v:.2f}' for v in result['replaced'])}")
    print(f"{'  restart rounds':46} {' '.join(f'{v:.2f}' for v in result['restarted'])}")
    ratio = result["available"] / raw
    replace, restart = statistics.median(result["replaced"]), statistics.median(result["restarted"])
    verdict = "met" if ratio <= ROLLOUT_TARGET and max(replace, restart) <= HEAL_TARGET_SECONDS else "missed"
    print(
        f"summary: {replicas}-replica Deployment available in {ratio:.2f}× raw sequential docker run "
        f"(target ≤ {ROLLOUT_TARGET}×), deleted pod replaced in {replace:.2f}s, killed container restarted in "
        f"{restart:.2f}s (targets ≤ {HEAL_TARGET_SECONDS:.0f}s): targets {verdict}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=20)
    parser.add_argument("--image", default="kubemini/busybox:1.35")
    parser.add_argument("--parallel-pod-starts", type=int, default=None, help="passed to the kubelet when given")
    args = parser.parse_args()
    run_id = uuid.uuid4().hex[:8]
    node = f"bench-{run_id}"
    started: list[Any] = []
    with tempfile.TemporaryDirectory(prefix="rollout-bench-") as tmp:
        base = Path(tmp)
        try:
            etcd = EtcdServer(base / "etcd").start()
            started.append(etcd)
            apiserver = ApiServer(etcd.url, base / "apiserver.log").start()
            started.append(apiserver)
            server = apiserver.url
            started.append(Scheduler(server, base / "scheduler.log").start())
            started.append(ControllerManager(server, base / "cm.log", extra_args=("--no-leader-elect",)).start())
            argv = [sys.executable, "-m", "kubelet", "--server", server, "--node-name", node,
                    "--port", str(free_port())]  # fmt: skip
            if args.parallel_pod_starts:
                argv += ["--parallel-pod-starts", str(args.parallel_pod_starts)]
            kubelet = spawn(argv, base / "kubelet.log")
            started.append(kubelet)
            raw_sequential(1, image=args.image, run_id=run_id)  # warm-up, not measured
            remove_labelled(f"{BENCH_LABEL}={run_id}")
            raw = raw_sequential(args.replicas, image=args.image, run_id=run_id)
            remove_labelled(f"{BENCH_LABEL}={run_id}")

            async def run() -> dict[str, Any]:
                async with ApiClient(server) as api:
                    return await measure(api, replicas=args.replicas, image=args.image, node=node)

            report(raw, asyncio.run(run()), args.replicas)
        finally:
            for thing in reversed(started):
                terminate(thing) if hasattr(thing, "poll") else thing.stop()
            remove_labelled(f"{BENCH_LABEL}={run_id}")
            remove_labelled(f"{NODE_LABEL}={node}")


if __name__ == "__main__":
    main()
