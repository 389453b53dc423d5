"""Job throughput on hollow nodes against the ReplicaSet controller's pod-create rate, in the same run.

    baseline: POST a ReplicaSet of N replicas ──► watch until N pods exist   (pods created / s)
    job:      POST a Job of N completions, parallelism P, pods that exit 0 at once
              ──► watch until Complete                                      (completions / s)
    figure:   completions/s ÷ pods created/s (target ≥ 0.5×: a completion costs a create, a
              status write by the node, the tracking-finalizer removal and the counting)
    CPU:      the controller-manager's user+system CPU during the Job (/proc/<pid>/stat) per completion

Everything runs here on free loopback ports: etcd, apiserver, `python -m scheduler`,
`python -m controller_manager`; the nodes are scripted hollow nodes in this process
(tests/integration/controller_manager/scripted_nodes.py), which run each pod for
`--run-seconds` and then report it Succeeded.

    .venv/bin/python bench/job.py [--completions 200] [--parallelism 20] [--nodes 5]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.controller_manager.cluster import Api, ControllerManager, Scheduler  # noqa: E402
from tests.integration.controller_manager.scripted_nodes import PREFIX, ScriptedNodes  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402
from tests.support.watch_reader import WatchReader  # noqa: E402

TARGET_RATIO = 0.5
DEADLINE_SECONDS = 300.0
CONTAINER = {"name": "main", "image": "kubemini/busybox:1.35"}


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def follow_until(api: Api, path: str, done, *, what: str) -> float:
    """Watch `path` from now; perf_counter() of the first event after which done(objects) holds."""
    listing = api.get(path)
    objects = {o["metadata"]["name"]: o for o in listing["items"]}
    reader = WatchReader(api.url, path, resourceVersion=listing["metadata"]["resourceVersion"])
    deadline = time.monotonic() + DEADLINE_SECONDS
    try:
        while not done(objects):
            event = reader.next(max(deadline - time.monotonic(), 0.1))
            if event is None or event["type"] == "READ_ERROR":
                raise RuntimeError(f"{what}: the watch ended ({event})")
            name = event["object"].get("metadata", {}).get("name")
            if event["type"] == "DELETED":
                objects.pop(name, None)
            elif event["type"] in ("ADDED", "MODIFIED"):
                objects[name] = event["object"]
        return time.perf_counter()
    finally:
        reader.close()


def replicaset(count: int) -> dict:
    labels = {"app": "baseline"}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": "baseline"},
        "spec": {
            "replicas": count,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [CONTAINER]}},
        },
    }


def job(completions: int, parallelism: int, run_seconds: float) -> dict:
    notes = {f"{PREFIX}exit-code": "0", f"{PREFIX}run-seconds": str(run_seconds)}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "bench"},
        "spec": {
            "completions": completions,
            "parallelism": parallelism,
            "template": {
                "metadata": {"annotations": notes},
                "spec": {"restartPolicy": "Never", "containers": [CONTAINER]},
            },
        },
    }


def complete(objects: dict) -> bool:
    conditions = ((objects.get("bench") or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Complete" and c.get("status") == "True" for c in conditions)


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, float]:
    etcd = EtcdServer(scratch / "etcd").start()
    started: list = []
    try:
        apiserver = ApiServer(etcd.url, scratch / "apiserver.log").start()
        started.append(apiserver)
        started.append(Scheduler(apiserver.url, scratch / "scheduler.log").start())
        manager = ControllerManager(apiserver.url, scratch / "controller-manager.log", ("--no-leader-elect",)).start()
        started.append(manager)
        nodes = ScriptedNodes(apiserver.url, [f"bench-{i}" for i in range(args.nodes)]).start()
        started.append(nodes)
        api = Api(apiserver.url)
        for name in ("baseline", "jobs"):
            api.create("/api/v1/namespaces", {"metadata": {"name": name}})

        pods = "/api/v1/namespaces/baseline/pods"
        begin = time.perf_counter()
        api.create("/apis/apps/v1/namespaces/baseline/replicasets", replicaset(args.completions))
        end = follow_until(api, pods, lambda objs: len(objs) >= args.completions, what="ReplicaSet pods")
        figures = {"rs_seconds": end - begin, "rs_rate": args.completions / (end - begin)}
        api.merge_patch("/apis/apps/v1/namespaces/baseline/replicasets/baseline", {"spec": {"replicas": 0}})
        follow_until(api, pods, lambda objs: not objs, what="ReplicaSet pods gone")

        cpu_before = cpu_seconds(manager.process.pid)
        begin = time.perf_counter()
        api.create("/apis/batch/v1/namespaces/jobs/jobs", job(args.completions, args.parallelism, args.run_seconds))
        end = follow_until(api, "/apis/batch/v1/namespaces/jobs/jobs", complete, what="Job Complete")
        cpu = cpu_seconds(manager.process.pid) - cpu_before
        figures["job_reconciles"] = {
            line.split('result="')[1].split('"')[0]: float(line.rsplit(" ", 1)[1])
            for line in manager.metrics().splitlines()
            if line.startswith('controller_runtime_reconcile_total{controller="job"')
        }
        sums = {
            line.split(" ")[0]: float(line.rsplit(" ", 1)[1])
            for line in manager.metrics().splitlines()
            if line.startswith("controller_runtime_reconcile_time_seconds_") and 'controller="job"' in line
        }
        seconds = sums.get('controller_runtime_reconcile_time_seconds_sum{controller="job"}', 0.0)
        count = sums.get('controller_runtime_reconcile_time_seconds_count{controller="job"}', 1.0)
        figures["reconcile_ms"] = 1000 * seconds / max(count, 1.0)
        status = api.get("/apis/batch/v1/namespaces/jobs/jobs/bench")["status"]
        if status.get("succeeded") != args.completions:
            raise RuntimeError(f"the Job counted {status.get('succeeded')} successes for {args.completions}")
        figures.update(
            job_seconds=end - begin,
            job_rate=args.completions / (end - begin),
            cpu_ms_per_completion=1000 * cpu / args.completions,
            max_running=nodes.max_running.get(("jobs", "bench"), 0),
        )
        api.close()
        return figures
    finally:
        for process in reversed(started):
            process.stop()
        etcd.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--completions", type=int, default=200)
    parser.add_argument("--parallelism", type=int, default=20)
    parser.add_argument("--nodes", type=int, default=5)
    parser.add_argument("--run-seconds", type=float, default=0.0, help="how long each Job pod runs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubemini-bench-job-") as scratch:
        figures = measure(args, Path(scratch))
    ratio = figures["job_rate"] / figures["rs_rate"]
    print()
    print(f"{'measure':<58}{'per s':>10}{'x baseline':>12}")
    print(f"{f'ReplicaSet: {args.completions} pods created (baseline)':<58}{figures['rs_rate']:>10.1f}{1.0:>12.2f}")
    label = f"Job: {args.completions} completions, parallelism {args.parallelism}"
    print(f"{label:<58}{figures['job_rate']:>10.1f}{ratio:>12.2f}")
    print(
        f"controller-manager CPU: {figures['cpu_ms_per_completion']:.1f} ms per completion; "
        f"most pods running at once: {figures['max_running']} (parallelism {args.parallelism})"
    )
    outcomes = ", ".join(f"{k} {v:.0f}" for k, v in sorted(figures["job_reconciles"].items()))
    print(f"job reconciles by outcome: {outcomes}; mean reconcile {figures['reconcile_ms']:.0f} ms")
    verdict = "meets" if ratio >= TARGET_RATIO else "MISSES"
    print(
        f"summary: {figures['job_rate']:.1f} completions/s = {ratio:.2f}x the ReplicaSet pod-create rate "
        f"({verdict} the {TARGET_RATIO}x target), {figures['cpu_ms_per_completion']:.1f} ms CM CPU per completion"
    )


if __name__ == "__main__":
    main()
