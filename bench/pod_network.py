"""Pod-to-pod throughput and latency across nodes vs within one node, on a real `kubemini up --nodes 3`.

    .venv/bin/python bench/pod_network.py [--megabytes 200] [--requests 100] [--backends host-gw,vxlan]

For each backend: a cluster in a temporary home on free ports (this machine plus two node
containers), a server pod on node 2 and two client pods, one beside it on node 2 (within one node:
the node's bridge) and one on node 3 (across nodes: host-gw routes or VXLAN over the node network).
Each client, in the same run:
    throughput  `wget -O /dev/null` of an N MiB file from the server's httpd (best of 3), MiB/s
    latency     N sequential `wget` of a tiny file from the server's httpd, mean per request
                (includes wget's own start, the same on both paths)
Ratios: across / within (target ≥ 0.7× for host-gw). busybox on both ends. Traffic stays among the
project's own containers; each cluster is taken down (`down --purge`) at the end, also on failure.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from tests.support.ports import free_ports  # noqa: E402

KUBEMINI = REPO_ROOT / ".venv" / "bin" / "kubemini"
KUBECTL = os.environ.get("KUBEMINI_KUBECTL") or str(REPO_ROOT / ".cache" / "bin" / "kubectl")
TARGET = 0.7
PODS = """
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{bench: pod-network}}}}
spec:
  nodeName: {node}
  terminationGracePeriodSeconds: 0
  containers:
  - name: c
    image: kubemini/busybox:1.35
    command: [sh, -c, '{command}']
"""
POD_ROWS = 'jsonpath={range .items[*]}{.metadata.name} {.status.podIP} {.status.phase}{"\\n"}{end}'
SERVER_COMMAND = (
    "mkdir -p /www && echo ok > /www/tiny && dd if=/dev/zero of=/www/big bs=1048576 count={megabytes} 2>/dev/null"
    " && exec httpd -f -p 8080 -h /www"
)


class Cluster:
    def __init__(self, home: Path, backend: str):
        self.home = home
        self.node = f"bench-{os.getpid()}"
        self.env = {**os.environ, "KUBEMINI_HOME": str(home), "KUBEMINI_NODE_NAME": self.node}
        self.env.pop("KUBECONFIG", None)
        self.backend = backend

    def kubemini(self, *args: str) -> str:
        done = subprocess.run([str(KUBEMINI), *args], env=self.env, capture_output=True, text=True, timeout=600)
        if done.returncode != 0:
            raise RuntimeError(f"kubemini {args[0]} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    def kubectl(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess[str]:
        argv = [KUBECTL, "--kubeconfig", str(self.home / "kubeconfig"), *args]
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, input=input, timeout=600)

    def up(self) -> None:
        api, etcd, peer = free_ports(3)
        self.kubemini("up", "--port", str(api), "--etcd-port", str(etcd), "--etcd-peer-port", str(peer),
                      "--nodes", "3", "--pod-network", self.backend, "--cluster-cidr", "10.246.0.0/16",
                      "--no-user-kubeconfig")  # fmt: skip

    def wait_ready(self, names: list[str]) -> dict[str, str]:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            got = self.kubectl("get", "pods", "-l", "bench=pod-network", "-o", POD_ROWS)
            rows = [line.split() for line in got.stdout.splitlines() if line.strip()]
            running = {row[0]: row[1] for row in rows if len(row) == 3 and row[2] == "Running"}
            if set(names) <= set(running):
                return running
            time.sleep(1)
        raise RuntimeError(f"pods not running: {names}")

    def timed(self, pod: str, script: str) -> float:
        """Seconds busybox `time` reports for `script` run in `pod`."""
        done = self.kubectl("exec", pod, "--", "sh", "-c", f"time sh -c '{script}'")
        match = re.search(r"real\s+(?:(\d+)m\s*)?([\d.]+)s", done.stderr)
        if done.returncode != 0 or not match:
            raise RuntimeError(f"{script} in {pod}: {done.stderr}")
        return int(match.group(1) or 0) * 60 + float(match.group(2))


def measure(cluster: Cluster, *, megabytes: int, requests: int) -> dict[str, dict[str, float]]:
    node2, node3 = f"{cluster.node}-node-2", f"{cluster.node}-node-3"
    manifest = "---".join(
        PODS.format(name=name, node=node, command=command)
        for name, node, command in (
            ("server", node2, SERVER_COMMAND.format(megabytes=megabytes)),
            ("within", node2, "sleep 3600"),
            ("across", node3, "sleep 3600"),
        )
    )
    applied = cluster.kubectl("apply", "-f", "-", input=manifest)
    if applied.returncode != 0:
        raise RuntimeError(applied.stderr)
    ips = cluster.wait_ready(["server", "within", "across"])
    server = ips["server"]
    results: dict[str, dict[str, float]] = {}
    for client in ("within", "across"):
        for _ in range(30):  # the server's listeners may need a moment
            probe = cluster.kubectl("exec", client, "--", "wget", "-qO-", f"http://{server}:8080/tiny")
            if probe.returncode == 0 and probe.stdout.strip() == "ok":
                break
            time.sleep(1)
        bulk = f"wget -qO /dev/null http://{server}:8080/big"
        best = min(cluster.timed(client, bulk) for _ in range(3))
        loop = f"for i in $(seq {requests}); do wget -qO /dev/null http://{server}:8080/tiny; done"
        latency = cluster.timed(client, loop) / requests
        results[client] = {"mib_per_s": megabytes / best, "ms_per_request": latency * 1000}
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=200)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--backends", default="host-gw,vxlan")
    args = parser.parse_args()
    built = subprocess.run([str(REPO_ROOT / "deploy" / "images" / "build_node_image.sh")], capture_output=True)
    if built.returncode != 0:
        print(built.stderr.decode(), file=sys.stderr)
        return 1
    summary = []
    for backend in args.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="kubemini-bench-") as directory:
            cluster = Cluster(Path(directory) / "home", backend)
            try:
                cluster.up()
                figures = measure(cluster, megabytes=args.megabytes, requests=args.requests)
            finally:
                subprocess.run([str(KUBEMINI), "down", "--purge"], env=cluster.env, capture_output=True, timeout=600)
        within, across = figures["within"], figures["across"]
        ratio = across["mib_per_s"] / within["mib_per_s"]
        print(f"{backend}")
        for name, row in (("within one node", within), ("across nodes", across)):
            print(f"  {name:16s} {row['mib_per_s']:8.0f} MiB/s   {row['ms_per_request']:6.2f} ms per request")
        latency_ratio = across["ms_per_request"] / within["ms_per_request"]
        target = ""
        if backend == "host-gw":
            target = f" (target >= {TARGET}x: {'met' if ratio >= TARGET else 'MISSED'})"
        summary.append(f"{backend}: across/within throughput {ratio:.2f}x{target}, latency {latency_ratio:.2f}x")
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
