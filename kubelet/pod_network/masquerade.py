"""The node's own NAT and forwarding rules for its pod CIDR, in chains of ours only.

    rules(pod_cidr, cluster_cidr) (pure) ──► iptables-restore text:
        nat    KUBEMINI-POD-NET  (jumped to first from POSTROUTING)
                   -s <pod cidr> -d <cluster cidr> -j RETURN       pod to pod, any node: source kept
                   -s <pod cidr> ! -d 224.0.0.0/4 -j MASQUERADE    pod to elsewhere: the node's address
        filter KUBEMINI-POD-FWD  (jumped to first from DOCKER-USER, or FORWARD without Docker)
                   -s <cluster cidr> -j ACCEPT, -d <cluster cidr> -j ACCEPT
                   so Docker's inter-network isolation and its FORWARD DROP let routed pod traffic pass
    apply(text)  ──► iptables-restore --noflush (our chains declared: flushed and refilled), jumps
                     checked with -C and inserted when missing: idempotent
    cleanup()    ──► jumps deleted, our chains flushed and deleted
The Docker network itself has Docker's masquerading off (runtime/docker_network.py).
"""

from __future__ import annotations

import subprocess

NAT_CHAIN = "KUBEMINI-POD-NET"
FILTER_CHAIN = "KUBEMINI-POD-FWD"
MULTICAST = "224.0.0.0/4"
COMMAND_TIMEOUT_SECONDS = 30.0


class MasqueradeError(RuntimeError):
    pass


def rules(pod_cidr: str, cluster_cidr: str) -> str:
    return "\n".join(
        [
            "*nat",
            f":{NAT_CHAIN} - [0:0]",
            f"-A {NAT_CHAIN} -s {pod_cidr} -d {cluster_cidr} -m comment --comment kubemini-pod-to-pod -j RETURN",
            f"-A {NAT_CHAIN} -s {pod_cidr} ! -d {MULTICAST} -m comment --comment kubemini-pod-egress -j MASQUERADE",
            "COMMIT",
            "*filter",
            f":{FILTER_CHAIN} - [0:0]",
            f"-A {FILTER_CHAIN} -s {cluster_cidr} -m comment --comment kubemini-pod-network -j ACCEPT",
            f"-A {FILTER_CHAIN} -d {cluster_cidr} -m comment --comment kubemini-pod-network -j ACCEPT",
            "COMMIT",
            "",
        ]
    )


class Masquerade:
    def __init__(self, *, netns: str | None = None):
        self.netns = netns

    def _run(self, tool: str, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["ip", "netns", "exec", self.netns] if self.netns else []
        argv = [*prefix, tool, *args]
        result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS)
        if check and result.returncode != 0:
            raise MasqueradeError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def _has_chain(self, table: str, chain: str) -> bool:
        return self._run("iptables", "-w", "-t", table, "-S", chain, check=False).returncode == 0

    def _jumps(self) -> list[tuple[str, str, str]]:
        forward = "DOCKER-USER" if self._has_chain("filter", "DOCKER-USER") else "FORWARD"
        return [("nat", "POSTROUTING", NAT_CHAIN), ("filter", forward, FILTER_CHAIN)]

    def apply(self, pod_cidr: str, cluster_cidr: str) -> None:
        self._run("iptables-restore", "--noflush", "--wait", stdin=rules(pod_cidr, cluster_cidr))
        for table, builtin, chain in self._jumps():
            if self._run("iptables", "-w", "-t", table, "-C", builtin, "-j", chain, check=False).returncode != 0:
                self._run("iptables", "-w", "-t", table, "-I", builtin, "1", "-j", chain)

    def cleanup(self) -> None:
        for table, chain in (("nat", NAT_CHAIN), ("filter", FILTER_CHAIN)):
            for builtin in ("POSTROUTING",) if table == "nat" else ("DOCKER-USER", "FORWARD"):
                while self._run("iptables", "-w", "-t", table, "-D", builtin, "-j", chain, check=False).returncode == 0:
                    pass
            if self._has_chain(table, chain):
                self._run("iptables", "-w", "-t", table, "-F", chain)
                self._run("iptables", "-w", "-t", table, "-X", chain)
