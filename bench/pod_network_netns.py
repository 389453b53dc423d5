"""Pod-to-pod TCP throughput and round-trip latency across two namespace "nodes": host-gw vs VXLAN,
against the same measurement inside one pod (loopback, no network in between).

    sudo .venv/bin/python bench/pod_network_netns.py [--megabytes 256] [--round-trips 2000]

Two node namespaces on a veth pair, a pod namespace behind each (tests/support/netns.py), programmed
by the kubelet's pod-network code from Node objects (kubelet/pod_network/), exactly as the tests do.
A Python server in pod B, a Python client in pod A: `throughput` streams N MiB in 64 KiB writes,
`latency` does request/response round trips of 64 bytes (median, p99). Only namespaces this bench
creates carry traffic; they are removed at the end, also on failure.
Numbers are relative: Python on both ends caps throughput well below the kernel's.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubelet.pod_network.desired import desired_state, vtep_mac  # noqa: E402
from kubelet.pod_network.iproute import IpRoute  # noqa: E402
from tests.support.netns import Topology, wait_for_ping  # noqa: E402

PORT = 5201
SERVER = """
import socket, sys
listener = socket.socket(); listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("0.0.0.0", %(port)d)); listener.listen(4); print("ready", flush=True)
for kind in ("bulk", "echo"):
    conn, _ = listener.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if kind == "bulk":
        total = 0
        while chunk := conn.recv(1 << 16):
            total += len(chunk)
        conn.sendall(str(total).encode())
    else:
        while data := conn.recv(64):
            conn.sendall(data)
    conn.close()
"""
CLIENT = """
import json, socket, statistics, time
host, megabytes, trips = %(host)r, %(megabytes)d, %(trips)d
bulk = socket.create_connection((host, %(port)d)); block = b"x" * (1 << 16)
started = time.perf_counter()
for _ in range(megabytes * 16):
    bulk.sendall(block)
bulk.shutdown(socket.SHUT_WR); received = int(bulk.recv(64)); seconds = time.perf_counter() - started
echo = socket.create_connection((host, %(port)d)); echo.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
rtts = []
for _ in range(trips):
    t = time.perf_counter(); echo.sendall(b"y" * 64); got = 0
    while got < 64:
        got += len(echo.recv(64 - got))
    rtts.append((time.perf_counter() - t) * 1e6)
rtts.sort()
print(json.dumps({"mib_per_s": received / seconds / (1 << 20), "rtt_median_us": statistics.median(rtts),
                  "rtt_p99_us": rtts[int(len(rtts) * 0.99) - 1]}))
"""


def measure(server_ns: str, client_ns: str, host: str, *, megabytes: int, trips: int) -> dict:
    server = subprocess.Popen(
        ["ip", "netns", "exec", server_ns, sys.executable, "-c", SERVER % {"port": PORT}],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        code = CLIENT % {"host": host, "port": PORT, "megabytes": megabytes, "trips": trips}
        out = subprocess.run(
            ["ip", "netns", "exec", client_ns, sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        return json.loads(out)
    finally:
        server.wait(30)


def program(topology: Topology, backend: str) -> None:
    def mac(node):
        return vtep_mac(ipaddress.ip_network(node.pod_cidr))

    nodes = [n.node_object(mac=mac(n)) for n in topology.nodes]
    for node in topology.nodes:
        failures = IpRoute(netns=node.netns).apply(desired_state(nodes, self_name=node.name, backend=backend))
        assert not failures, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=256)
    parser.add_argument("--round-trips", type=int, default=2000)
    args = parser.parse_args()
    results = {}
    for mode in ("one-pod", "host-gw", "vxlan"):
        topology = Topology()
        try:
            a, b = topology.build().nodes
            if mode == "one-pod":
                server_ns, host = a.pod_netns, a.pod_ip
            else:
                program(topology, mode)
                wait_for_ping(a.pod_netns, b.pod_ip)
                server_ns, host = b.pod_netns, b.pod_ip
            started = time.perf_counter()
            results[mode] = measure(server_ns, a.pod_netns, host, megabytes=args.megabytes, trips=args.round_trips)
            results[mode]["seconds"] = time.perf_counter() - started
        finally:
            topology.remove()
    for mode, figures in results.items():
        print(
            f"{mode:8s} {figures['mib_per_s']:8.0f} MiB/s   rtt median {figures['rtt_median_us']:6.0f} us"
            f"   p99 {figures['rtt_p99_us']:6.0f} us"
        )
    base = results["one-pod"]["mib_per_s"]
    for mode in ("host-gw", "vxlan"):
        print(f"{mode}: {results[mode]['mib_per_s'] / base:.2f}x one-pod throughput")


if __name__ == "__main__":
    main()
