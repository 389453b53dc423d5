"""Autoscaling reaction time and the metrics pipeline's cost, on hollow nodes, in one run.

latency:  an HPA (cpu 50 %) on a 1-replica Deployment whose pod reports 10m of a 100m request;
          at t0 the pod's `kubemini.io/hollow-cpu-usage` becomes 200m ──► t1 the Deployment's
          spec.replicas grows (the HPA's scale-out decision, written through /scale)
          figure: t1 − t0 against the configured periods of the same run, sync S and scrape R:
          the bound is R (the change must reach a reading) + R (a second reading for the rate)
          + S (the next look of the HPA controller)
CPU:      P idle pods (10m requests: two hollow nodes of 4 CPUs hold them); user+system CPU
          (/proc/<pid>/stat) of metrics_server
          over a window, per 100 pods per minute, against the hollow kubelet process's own CPU
          in the same window (the baseline: what running those pods costs at all)

.venv/bin/python bench/hpa.py [--sync 2] [--scrape 1] [--pods 100] [--trials 3] [--window 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.job import cpu_seconds  # noqa: E402
from kubelet.runtime.fake import HOLLOW_CPU_USAGE_ANNOTATION  # noqa: E402
from tests.integration.controller_manager.cluster import Api, ControllerManager, HollowNodes, Scheduler  # noqa: E402
from tests.integration.controller_manager.metrics_pipeline import METRICS_PATH, MetricsServer  # noqa: E402
from tests.support.processes import ApiServer, EtcdServer  # noqa: E402

NAMESPACE = "bench"
DEADLINE_SECONDS = 120.0


def deployment(name: str, replicas: int, cpu: str, *, request: str = "100m") -> dict:
    labels = {"app": name}
    container = {"name": "app", "image": "kubemini/busybox:1.35", "resources": {"requests": {"cpu": request}}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": {HOLLOW_CPU_USAGE_ANNOTATION: cpu}},
                "spec": {"containers": [container]},
            },
        },
    }


def hpa(name: str) -> dict:
    target = {"type": "Utilization", "averageUtilization": 50}
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": 1,
            "maxReplicas": 5,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": target}}],
        },
    }


def running(api: Api, selector: str) -> list[dict]:
    pods = api.items(f"/api/v1/namespaces/{NAMESPACE}/pods", labelSelector=selector)
    return [p for p in pods if (p.get("status") or {}).get("phase") == "Running"]


def scale_out_seconds(api: Api, name: str) -> float:
    base = f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments"
    api.create(base, deployment(name, 1, "10m"))
    api.create(f"/apis/autoscaling/v2/namespaces/{NAMESPACE}/horizontalpodautoscalers", hpa(name))
    status_path = f"/apis/autoscaling/v2/namespaces/{NAMESPACE}/horizontalpodautoscalers/{name}"
    api.wait_for(
        lambda: (api.get(status_path).get("status") or {}).get("currentMetrics", [{}])[0].get("resource"),
        what=f"{name}: the HPA reading its metrics",
        timeout=DEADLINE_SECONDS,
    )
    pod = running(api, f"app={name}")[0]["metadata"]["name"]
    started = time.perf_counter()
    api.merge_patch(
        f"/api/v1/namespaces/{NAMESPACE}/pods/{pod}",
        {"metadata": {"annotations": {HOLLOW_CPU_USAGE_ANNOTATION: "200m"}}},
    )
    while api.get(f"{base}/{name}")["spec"]["replicas"] == 1:
        if time.perf_counter() - started > DEADLINE_SECONDS:
            raise RuntimeError(f"{name}: no scale-out within {DEADLINE_SECONDS}s")
        time.sleep(0.02)
    return time.perf_counter() - started


def measure(args: argparse.Namespace, scratch: Path) -> dict[str, float]:
    etcd = EtcdServer(scratch / "etcd").start()
    started: list = []
    try:
        apiserver = ApiServer(etcd.url, scratch / "apiserver.log").start()
        started.append(apiserver)
        started.append(Scheduler(apiserver.url, scratch / "scheduler.log").start())
        flags = ("--no-leader-elect", "--horizontal-pod-autoscaler-sync-period", str(args.sync))
        started.append(ControllerManager(apiserver.url, scratch / "controller-manager.log", flags).start())
        nodes = HollowNodes(apiserver.url, "bench-hollow-", 2, scratch / "kubelet.log").start()
        started.append(nodes)
        metrics = MetricsServer(apiserver.url, scratch / "metrics-server.log", args.scrape).start()
        started.append(metrics)
        api = Api(apiserver.url)
        api.create("/api/v1/namespaces", {"metadata": {"name": NAMESPACE}})
        latencies = [scale_out_seconds(api, f"web-{trial}") for trial in range(args.trials)]
        api.create(
            f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", deployment("idle", args.pods, "1m", request="10m")
        )
        api.wait_for(
            lambda: (
                len(api.items(f"{METRICS_PATH}/namespaces/{NAMESPACE}/pods", labelSelector="app=idle")) >= args.pods
            ),
            what=f"{args.pods} idle pods in PodMetrics",
            timeout=DEADLINE_SECONDS,
        )
        before = (cpu_seconds(metrics.process.pid), cpu_seconds(nodes.process.pid), time.perf_counter())
        time.sleep(args.window)
        after = (cpu_seconds(metrics.process.pid), cpu_seconds(nodes.process.pid), time.perf_counter())
        per_100_per_minute = 100 / args.pods * 60 / (after[2] - before[2])
        return {
            "latency_mean": statistics.mean(latencies),
            "latency_max": max(latencies),
            "bound": 2 * args.scrape + args.sync,
            "metrics_cpu": (after[0] - before[0]) * per_100_per_minute,
            "kubelet_cpu": (after[1] - before[1]) * per_100_per_minute,
        }
    finally:
        for process in reversed(started):
            process.stop()
        etcd.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sync", type=float, default=2.0, help="HPA sync period, seconds")
    parser.add_argument("--scrape", type=float, default=1.0, help="metrics_server --metric-resolution, seconds")
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--window", type=float, default=30.0, help="seconds of CPU measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-hpa-") as scratch:
        f = measure(args, Path(scratch))
    print(f"{'figure':<52} {'value':>10}")
    print(f"{'sync period S / scrape period R (s)':<52} {args.sync:>5g} / {args.scrape:g}")
    print(f"{'load start → scale-out, mean of ' + str(args.trials) + ' (s)':<52} {f['latency_mean']:>10.2f}")
    print(f"{'load start → scale-out, worst (s)':<52} {f['latency_max']:>10.2f}")
    print(f"{'bound 2R + S (s)':<52} {f['bound']:>10.2f}")
    print(f"{'metrics_server CPU, s per 100 pods per minute':<52} {f['metrics_cpu']:>10.3f}")
    print(f"{'hollow kubelet CPU (baseline), s per 100 pods per minute':<52} {f['kubelet_cpu']:>10.3f}")
    ratio = f["latency_max"] / f["bound"]
    cpu_ratio = f["metrics_cpu"] / f["kubelet_cpu"] if f["kubelet_cpu"] else float("inf")
    print(f"summary: scale-out within {ratio:.2f}× of 2R+S (worst), metrics_server CPU {cpu_ratio:.2f}× the kubelet's")


if __name__ == "__main__":
    main()
