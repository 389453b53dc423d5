"""Pod start-up through kubemini against raw `docker run -d` of the same image and command, in one run.

    baseline: `docker run -d <image> <command>` N times, one after the other (each timed)
    pod floor: the same two runs a pod needs (pause on the pod network + app joined to it), raw
    serial:   N pods one at a time: POST the pod ──► watch sees phase Running ──► next
    volumes:  interleaved with those, N pods with two configMap volumes, a secret and an emptyDir
              (target: p50 ≤ 1.2× the plain pods' p50 of the same run)
    burst:    N pods POSTed at once (bound to one node) ──► each one's create → Running on the watch

Everything runs against a real etcd, apiserver and `python -m kubelet` on the
Docker engine, started here on free loopback ports (or --server URL with a
kubelet already running for --node). A pod is two containers (sandbox +
app) where the baseline is one, so the serial ratio is the cost of the pod
model plus the control plane; the burst shows what parallel pod workers win.
Every container made here carries a label naming this run and is removed at
the end, even on failure.

    .venv/bin/python bench/pod_startup.py [--pods 20] [--image kubemini/busybox:1.35]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubemini.api.registry import by_kind  # noqa: E402
from kubemini.client.api_client import ApiClient  # noqa: E402
from tests.integration.controller_manager.cluster import ControllerManager  # noqa: E402
from tests.support.ports import free_port  # noqa: E402
from tests.support.processes import REPO_ROOT, ApiServer, EtcdServer  # noqa: E402

POD = by_kind("Pod")
NAMESPACE_RT = by_kind("Namespace")
COMMAND = ["sleep", "3600"]
DEADLINE_SECONDS = 120.0
CLEANUP_DEADLINE_SECONDS = 90.0
BENCH_LABEL = "io.kubemini.bench"
P50_TARGET, TOTAL_TARGET = 1.5, 2.0
VOLUMES_TARGET = 1.2


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def raw_docker_runs(count: int, *, image: str, run_id: str) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        subprocess.run(
            ["docker", "run", "-d", "--label", f"{BENCH_LABEL}={run_id}", image, *COMMAND],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def raw_pod_runs(count: int, *, image: str, run_id: str, network: str = "kubemini") -> list[float]:
    """The same Docker work as a pod: a pause container on the pod network, then the app joined to it."""
    times = []
    label = f"{BENCH_LABEL}={run_id}"
    if subprocess.run(["docker", "network", "inspect", network], capture_output=True).returncode != 0:
        # The kubelet creates it too, the same way; whoever comes second gets "already exists".
        subprocess.run(
            ["docker", "network", "create", "--label", "io.kubemini.managed=true", network], capture_output=True
        )
    for _ in range(count):
        started = time.perf_counter()
        sandbox = subprocess.run(
            ["docker", "run", "-d", "--label", label, "--network", network, "kubemini/pause:3.9"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        subprocess.run(
            ["docker", "run", "-d", "--label", label, "--network", f"container:{sandbox}", image, *COMMAND],
            check=True,
            capture_output=True,
        )
        times.append(time.perf_counter() - started)
    return times


def remove_labelled(label: str) -> None:
    """Force-remove the containers with this label one at a time, sandboxes last.

    Docker 20.10 can deadlock when many containers leave a user-defined network at
    once (a parallel `docker rm -f` of running sandboxes did): never do that here.
    """
    listing = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={label}", "--format", "{{.ID}} {{.Image}}"],
        capture_output=True,
        text=True,
    ).stdout.split("\n")
    rows = [line.split(" ", 1) for line in listing if line.strip()]
    for container_id, _image in sorted(rows, key=lambda row: "pause" in row[1]):
        subprocess.run(["docker", "rm", "-f", container_id], capture_output=True)


def pod_body(name: str, *, node: str, image: str, volumes: bool = False) -> dict:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {
            "nodeName": node,
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "app", "image": image, "command": COMMAND}],
        },
    }
    if volumes:
        pod["spec"]["volumes"] = [
            {"name": "config-a", "configMap": {"name": "bench-a"}},
            {"name": "config-b", "configMap": {"name": "bench-b"}},
            {"name": "secret", "secret": {"secretName": "bench-secret"}},
            {"name": "scratch", "emptyDir": {}},
        ]
        pod["spec"]["containers"][0]["volumeMounts"] = [
            {"name": volume["name"], "mountPath": f"/{volume['name']}"} for volume in pod["spec"]["volumes"]
        ]
    return pod


async def create_volume_sources(api: ApiClient, namespace: str) -> None:
    for name in ("bench-a", "bench-b"):
        data = {f"key-{i}": f"value {i} of {name}" for i in range(5)}
        await api.create(by_kind("ConfigMap"), {"metadata": {"name": name}, "data": data}, namespace=namespace)
    secret = {"metadata": {"name": "bench-secret"}, "stringData": {"password": "not-a-real-secret"}}
    await api.create(by_kind("Secret"), secret, namespace=namespace)


class RunningWatcher:
    """One watch on the namespace; records when each pod is first seen Running."""

    def __init__(self, api: ApiClient, namespace: str):
        self.api = api
        self.namespace = namespace
        self.running_at: dict[str, float] = {}
        self.changed = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        listing = await self.api.list(POD, namespace=self.namespace)
        rv = listing["metadata"]["resourceVersion"]
        self._task = asyncio.create_task(self._follow(rv))

    async def _follow(self, rv: str) -> None:
        async for event in self.api.watch(POD, namespace=self.namespace, resource_version=rv):
            pod = event.object
            name = (pod.get("metadata") or {}).get("name")
            if (pod.get("status") or {}).get("phase") == "Running" and name not in self.running_at:
                self.running_at[name] = time.perf_counter()
                self.changed.set()

    async def wait_for(self, names: list[str]) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        while not all(n in self.running_at for n in names):
            self.changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                missing = [n for n in names if n not in self.running_at]
                raise TimeoutError(f"pods not Running after {DEADLINE_SECONDS}s: {missing}")
            try:
                await asyncio.wait_for(self.changed.wait(), remaining)
            except TimeoutError:
                continue

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()


async def measure(api: ApiClient, *, node: str, image: str, pods: int) -> dict[str, list[float] | float]:
    namespace = f"bench-{uuid.uuid4().hex[:6]}"
    await api.create(NAMESPACE_RT, {"metadata": {"name": namespace}})
    watcher = RunningWatcher(api, namespace)
    await watcher.start()
    try:
        warm = "warm-up"
        await api.create(POD, pod_body(warm, node=node, image=image), namespace=namespace)
        await watcher.wait_for([warm])
        await create_volume_sources(api, namespace)
        serial: list[float] = []
        with_volumes: list[float] = []
        for index in range(pods):
            # Interleaved, in alternating order: both kinds see the same machine load.
            kinds = [(False, serial), (True, with_volumes)]
            for volumes, times in kinds if index % 2 == 0 else reversed(kinds):
                name = f"{'volumes' if volumes else 'serial'}-{index}"
                created = time.perf_counter()
                await api.create(POD, pod_body(name, node=node, image=image, volumes=volumes), namespace=namespace)
                await watcher.wait_for([name])
                times.append(watcher.running_at[name] - created)
        names = [f"burst-{index}" for index in range(pods)]
        created_at: dict[str, float] = {}

        async def create(name: str) -> None:
            created_at[name] = time.perf_counter()
            await api.create(POD, pod_body(name, node=node, image=image), namespace=namespace)

        first = time.perf_counter()
        await asyncio.gather(*(create(name) for name in names))
        await watcher.wait_for(names)
        burst = [watcher.running_at[n] - created_at[n] for n in names]
        total = max(watcher.running_at[n] for n in names) - first
        return {"serial": serial, "volumes": with_volumes, "burst": burst, "burst_total": total}
    finally:
        await watcher.stop()
        await api.delete(NAMESPACE_RT, namespace)
        listing = await api.list(POD, namespace=namespace)
        await asyncio.gather(
            *(
                api.delete(POD, p["metadata"]["name"], namespace=namespace, grace_period_seconds=0)
                for p in listing["items"]
            ),
            return_exceptions=True,
        )
        await wait_for_cleanup(node)


async def wait_for_cleanup(node: str) -> None:
    """Let the kubelet remove what it ran (it tears sandboxes down one at a time, safely)."""
    deadline = time.monotonic() + CLEANUP_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        left = subprocess.run(
            ["docker", "ps", "-aq", "--filter", f"label=io.kubemini.node={node}"], capture_output=True, text=True
        ).stdout.split()
        if not left:
            return
        await asyncio.sleep(0.5)


def start_kubelet(server: str, node: str, log_path: Path, extra: list[str]) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    argv = [sys.executable, "-m", "kubelet", "--server", server, "--node-name", node, "--port", str(free_port()),
            "--root-dir", str(log_path.parent / "kubelet-root"), *extra]  # fmt: skip
    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)


def report(raw: list[float], raw_pods: list[float], result: dict) -> None:
    raw_p50, raw_total = statistics.median(raw), sum(raw)
    rows = [
        ("raw docker run -d (sequential)", raw, raw_total),
        ("raw pause + app docker runs", raw_pods, sum(raw_pods)),
        ("kubemini pods one at a time", result["serial"], sum(result["serial"])),
        ("pods with 4 volumes one at a time", result["volumes"], sum(result["volumes"])),
        ("kubemini pods all at once", result["burst"], result["burst_total"]),
    ]
    print(f"{'measure':34} {'n':>3} {'p50 s':>7} {'p99 s':>7} {'total s':>8} {'p50 ×raw':>9}")
    for name, values, total in rows:
        p50, p99 = statistics.median(values), percentile(values, 0.99)
        print(f"{name:34} {len(values):>3} {p50:7.3f} {p99:7.3f} {total:8.2f} {p50 / raw_p50:9.2f}")
    serial_ratio = statistics.median(result["serial"]) / raw_p50
    burst_ratio = statistics.median(result["burst"]) / raw_p50
    total_ratio = result["burst_total"] / raw_total
    pod_ratio = statistics.median(result["serial"]) / statistics.median(raw_pods)
    volumes_ratio = statistics.median(result["volumes"]) / statistics.median(result["serial"])
    print(
        f"summary: pod create→Running p50 {serial_ratio:.2f}× raw docker run one at a time "
        f"({burst_ratio:.2f}× with all {len(raw)} at once; target ≤ {P50_TARGET}×; "
        f"{pod_ratio:.2f}× the same two containers run raw), "
        f"all {len(raw)} Running in {total_ratio:.2f}× the raw sequential total (target ≤ {TOTAL_TARGET}×); "
        f"a pod with 4 volumes starts in {volumes_ratio:.2f}× a plain pod's p50 (target ≤ {VOLUMES_TARGET}×)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pods", type=int, default=20)
    parser.add_argument("--image", default="kubemini/busybox:1.35")
    parser.add_argument("--server", help="use this apiserver (and --node's running kubelet) instead of starting them")
    parser.add_argument("--node", default=None)
    parser.add_argument("--keep-logs", type=Path, help="copy the component logs here at the end")
    parser.add_argument("--kubelet-arg", action="append", default=[], help="extra kubelet flag (repeatable)")
    args = parser.parse_args()
    run_id = uuid.uuid4().hex[:8]
    node = args.node or f"bench-{run_id}"
    started: list = []
    with tempfile.TemporaryDirectory(prefix="pod-startup-") as tmp:
        try:
            server = args.server
            if server is None:
                etcd = EtcdServer(Path(tmp) / "etcd").start()
                started.append(etcd)
                apiserver = ApiServer(etcd.url, Path(tmp) / "apiserver.log").start()
                started.append(apiserver)
                server = apiserver.url
                # The default ServiceAccount and kube-root-ca.crt: every pod mounts its API token.
                cm = ControllerManager(server, Path(tmp) / "cm.log", extra_args=("--no-leader-elect",)).start()
                started.append(cm.process)
            if args.server is None or args.node is None:
                started.append(start_kubelet(server, node, Path(tmp) / "kubelet.log", args.kubelet_arg))
            raw_docker_runs(1, image=args.image, run_id=run_id)  # warm-up, not measured
            raw = raw_docker_runs(args.pods, image=args.image, run_id=run_id)
            remove_labelled(f"{BENCH_LABEL}={run_id}")
            raw_pods = raw_pod_runs(args.pods, image=args.image, run_id=run_id)
            remove_labelled(f"{BENCH_LABEL}={run_id}")

            async def run() -> dict:
                async with ApiClient(server) as api:
                    return await measure(api, node=node, image=args.image, pods=args.pods)

            result = asyncio.run(run())
            report(raw, raw_pods, result)
        finally:
            for thing in reversed(started):
                if isinstance(thing, subprocess.Popen):
                    thing.terminate()
                    thing.wait(10)
                else:
                    thing.stop()
            remove_labelled(f"{BENCH_LABEL}={run_id}")
            remove_labelled(f"io.kubemini.node={node}")
            if args.keep_logs:
                args.keep_logs.mkdir(parents=True, exist_ok=True)
                for log in Path(tmp).glob("*.log"):
                    shutil.copy(log, args.keep_logs / log.name)


if __name__ == "__main__":
    main()
