"""A Deployment rolled out in real Docker against raw `docker run -d` and Docker swarm, plus self-healing times.

    baseline: `docker run -d <image> sleep 3600` N times, one after the other (after a warm-up run),
              then once alone, SINGLE_ROUNDS times
    swarm:    `docker swarm init` on 127.0.0.1, an N-replica `docker service create` of the same image,
              timed until N tasks Running, `docker service rm`, `docker swarm leave --force`
              (bench/swarm_baseline.py; always left, even on failure)
    one pod:  POST a bare Pod ──► watch until Running; SINGLE_ROUNDS times, each deleted after
    rollout:  POST an N-replica Deployment ──► watch until status.availableReplicas == N
              (the scheduler binds, the ReplicaSet controller creates in slow-start batches, the kubelet
              starts two containers per pod: pause + app)
    replace:  DELETE a running pod ──► its replacement seen Running on the watch      (×3, median)
    restart:  `docker kill` a pod's app container ──► the pod Running again with restartCount + 1 (×3)

Everything runs here on free loopback ports: etcd, apiserver, `python -m scheduler`,
`python -m controller_manager`, `python -m kubelet` on the Docker engine. Containers
are labelled with this run and removed at the end, even on failure.
Targets (issue #6): rollout ≤ 1.2× the raw sequential time; replace and restart ≤ 1 s.
Targets (issue #21): Deployment available ≤ 0.8× swarm's N replicas; one pod create → Running
≤ 1.0× one raw `docker run -d` (medians).

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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.pod_following import Follower, app_running, restarts, running  # noqa: E402
from bench.swarm_baseline import SwarmResult, measure_swarm  # noqa: E402
from kubemini.api.registry import by_kind  # noqa: E402
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
SWARM_TARGET, SINGLE_TARGET = 0.8, 1.0
SINGLE_ROUNDS = 3


def docker(*args: str) -> str:
    return subprocess.run(["docker", *args], check=True, capture_output=True, text=True, timeout=120).stdout.strip()


def raw_sequential(count: int, *, image: str, run_id: str) -> float:
    started = time.perf_counter()
    for _ in range(count):
        docker("run", "-d", "--label", f"{BENCH_LABEL}={run_id}", image, *COMMAND)
    return time.perf_counter() - started


def raw_singles(rounds: int, *, image: str, run_id: str) -> list[float]:
    """Seconds of one `docker run -d` at a time, each container removed before the next round."""
    times = []
    for _ in range(rounds):
        times.append(raw_sequential(1, image=image, run_id=run_id))
        remove_labelled(f"{BENCH_LABEL}={run_id}")
    return times


def remove_labelled(label: str) -> None:
    ids = subprocess.run(["docker", "ps", "-aq", "--filter", f"label={label}"], capture_output=True, text=True).stdout
    if ids.split():
        subprocess.run(["docker", "rm", "-f", *ids.split()], capture_output=True, timeout=300)


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


def single_pod_body(name: str, image: str) -> dict[str, Any]:
    container = {"name": "app", "image": image, "command": COMMAND}
    return {"metadata": {"name": name}, "spec": {"terminationGracePeriodSeconds": 0, "containers": [container]}}


async def single_pod_starts(api: ApiClient, *, image: str, rounds: int) -> list[float]:
    """Seconds from one bare Pod's POST to the watch showing it Running, one pod at a time."""
    namespace = f"bench-single-{uuid.uuid4().hex[:6]}"
    await api.create(NAMESPACE, {"metadata": {"name": namespace}})
    pods = Follower(api, POD, namespace)
    await pods.start()
    times = []
    try:
        for index in range(rounds):
            name = f"single-{index}"
            started = time.perf_counter()
            await api.create(POD, single_pod_body(name, image), namespace=namespace)
            done = await pods.until(
                lambda objs, name=name: name in objs and running(objs[name]), what=f"{name} Running"
            )
            times.append(done - started)
            await api.delete(POD, name, namespace=namespace)
            await pods.until(lambda objs, name=name: name not in objs, what=f"{name} deleted")
    finally:
        await pods.stop()
        with contextlib.suppress(Exception):
            await api.delete(NAMESPACE, namespace)
    return times


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


def verdict(ratio: float | None, target: float) -> str:
    return "not measured" if ratio is None else ("met" if ratio <= target else "MISSED")


def report(raw: float, result: dict[str, Any], replicas: int, *, swarm: SwarmResult, singles: list[float]) -> None:
    raw_one, pod_one = statistics.median(singles), statistics.median(result["single"])
    rows = [
        (f"raw docker run -d ×{replicas}, sequential", raw, 1.0),
        (
            f"docker swarm: {replicas} tasks Running",
            swarm.seconds,
            None if swarm.seconds is None else swarm.seconds / raw,
        ),
        (f"deployment: {replicas} pods created (RS controller)", result["created"], result["created"] / raw),
        (f"deployment: {replicas} pods bound (scheduler)", result["bound"], result["bound"] / raw),
        (f"deployment: {replicas} pods Running (kubelet)", result["running"], result["running"] / raw),
        (f"deployment: {replicas} available", result["available"], result["available"] / raw),
        ("raw docker run -d ×1 (median)", raw_one, None),
        ("one pod: create → Running (median)", pod_one, None),
        ("deleted pod → replacement Running (median)", statistics.median(result["replaced"]), None),
        ("killed container → Running again (median)", statistics.median(result["restarted"]), None),
    ]
    print(f"{'measure':46} {'seconds':>8} {'× raw':>7}")
    for name, seconds, ratio in rows:
        shown = "       -" if seconds is None else f"{seconds:8.2f}"
        print(f"{name:46} {shown} {'' if ratio is None else f'{ratio:7.2f}'}")
    print(f"{'  raw docker run -d ×1 rounds':46} {' '.join(f'{v:.2f}' for v in singles)}")
    print(f"{'  one pod rounds':46} {' '.join(f'{v:.2f}' for v in result['single'])}")
    print(f"{'  replacement rounds':46} {' '.join(f'{v:.2f}' for v in result['replaced'])}")
    print(f"{'  restart rounds':46} {' '.join(f'{v:.2f}' for v in result['restarted'])}")
    where = f"on {swarm.address}" if swarm.address else "not initialised"
    if swarm.started_seconds is not None:
        where += f"; its {replicas} containers started after {swarm.started_seconds:.2f}s (engine events)"
    print(f"swarm: {where}" + (f"; {swarm.note}" if swarm.note else ""))
    for error in swarm.task_errors:
        print(f"  swarm task error: {error}")
    ratio = result["available"] / raw
    replace, restart = statistics.median(result["replaced"]), statistics.median(result["restarted"])
    healed = "met" if ratio <= ROLLOUT_TARGET and max(replace, restart) <= HEAL_TARGET_SECONDS else "missed"
    print(
        f"summary: {replicas}-replica Deployment available in {ratio:.2f}× raw sequential docker run "
        f"(target ≤ {ROLLOUT_TARGET}×), deleted pod replaced in {replace:.2f}s, killed container restarted in "
        f"{restart:.2f}s (targets ≤ {HEAL_TARGET_SECONDS:.0f}s): targets {healed}"
    )
    versus_swarm = None if swarm.seconds is None else result["available"] / swarm.seconds
    shown = "-" if versus_swarm is None else f"{versus_swarm:.2f}×"
    print(
        f"summary: {replicas}-replica Deployment available {result['available']:.2f}s vs swarm "
        f"{'-' if swarm.seconds is None else f'{swarm.seconds:.2f}s'}: {shown} "
        f"(target ≤ {SWARM_TARGET}×): {verdict(versus_swarm, SWARM_TARGET)}"
    )
    print(
        f"summary: one pod create → Running {pod_one:.2f}s vs one docker run -d {raw_one:.2f}s: "
        f"{pod_one / raw_one:.2f}× (target ≤ {SINGLE_TARGET}×): {verdict(pod_one / raw_one, SINGLE_TARGET)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicas", type=int, default=20)
    parser.add_argument("--image", default="kubemini/busybox:1.35")
    parser.add_argument("--parallel-pod-starts", type=int, default=None, help="passed to the kubelet when given")
    parser.add_argument("--no-swarm", action="store_true", help="leave the Docker swarm baseline out")
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
            singles = raw_singles(SINGLE_ROUNDS, image=args.image, run_id=run_id)
            swarm = SwarmResult(note="left out (--no-swarm)")
            if not args.no_swarm:
                label = f"{BENCH_LABEL}={run_id}"
                swarm = measure_swarm(args.replicas, image=args.image, run_id=run_id, label=label, command=COMMAND)

            async def run() -> dict[str, Any]:
                async with ApiClient(server) as api:
                    single = await single_pod_starts(api, image=args.image, rounds=SINGLE_ROUNDS)
                    result = await measure(api, replicas=args.replicas, image=args.image, node=node)
                    return {**result, "single": single}

            report(raw, asyncio.run(run()), args.replicas, swarm=swarm, singles=singles)
        finally:
            for thing in reversed(started):
                terminate(thing) if hasattr(thing, "poll") else thing.stop()
            remove_labelled(f"{BENCH_LABEL}={run_id}")
            remove_labelled(f"{NODE_LABEL}={node}")


if __name__ == "__main__":
    main()
