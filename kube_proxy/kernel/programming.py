"""Putting a ruleset into the kernel and taking it out again: only our own chains are touched.

apply(text)  ──► iptables-restore --noflush --wait (our chains declared, so flushed and refilled;
                 every other chain of every table is left as it is)
ensure_jumps ──► nat OUTPUT and PREROUTING ──► <P>-SERVICES, nat POSTROUTING ──► <P>-POSTROUTING
                 (checked with -C, inserted first when missing)
cleanup      ──► those jumps deleted, then every <P>- chain flushed and deleted
localnet     ──► NodePorts on 127.0.0.1 reach pod IPs only with net.ipv4.conf.all.route_localnet=1
                 (upstream kube-proxy sets it too); the value found is put back by cleanup
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path

from kube_proxy.kernel.ruleset import Chains
from kube_proxy.service_ports import ListenerKey

log = logging.getLogger(__name__)
IPTABLES_TIMEOUT_SECONDS = 30.0
ROUTE_LOCALNET = Path("/proc/sys/net/ipv4/conf/all/route_localnet")


class KernelRulesError(RuntimeError):
    pass


def _run(argv: list[str], *, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=IPTABLES_TIMEOUT_SECONDS)
    if check and result.returncode != 0:
        raise KernelRulesError(f"{' '.join(argv[:4])} failed ({result.returncode}): {result.stderr.strip()}")
    return result


def check_can_program() -> None:
    """Refuse to start in kernel mode without the tools or the privileges (say which)."""
    for tool in ("iptables", "iptables-save", "iptables-restore"):
        if shutil.which(tool) is None:
            raise KernelRulesError(f"{tool} not found: install iptables or run with --proxy-mode=userspace")
    probe = _run(["iptables-save", "-t", "nat"], check=False)
    if probe.returncode != 0:
        raise KernelRulesError(f"cannot read the nat table ({probe.stderr.strip()}): kernel mode needs root")


class KernelRules:
    def __init__(self, chains: Chains) -> None:
        self.chains = chains
        self._localnet_before: str | None = None
        # A sync's apply runs in a worker thread that cancelling the sync does not stop: cleanup
        # waits for it, and nothing is applied once cleanup has run.
        self._lock = threading.Lock()
        self._closed = False

    @property
    def jumps(self) -> list[tuple[str, str]]:
        return [
            ("OUTPUT", self.chains.services),
            ("PREROUTING", self.chains.services),
            ("POSTROUTING", self.chains.postrouting),
        ]

    def current_chains(self) -> list[str]:
        saved = _run(["iptables-save", "-t", "nat"]).stdout
        names = [line[1:].split()[0] for line in saved.splitlines() if line.startswith(":")]
        return [name for name in names if self.chains.owns(name)]

    def apply(self, text: str) -> None:
        with self._lock:
            if self._closed:
                return
            _run(["iptables-restore", "--noflush", "--wait"], stdin=text)
            self._ensure_jumps()

    def ensure_jumps(self) -> None:
        with self._lock:
            if not self._closed:
                self._ensure_jumps()

    def _ensure_jumps(self) -> None:
        for builtin, target in self.jumps:
            rule = [builtin, "-j", target]
            if _run(["iptables", "-w", "-t", "nat", "-C", *rule], check=False).returncode != 0:
                _run(["iptables", "-w", "-t", "nat", "-I", builtin, "1", "-j", target])

    def forget_udp_flows(self, stale: list[tuple[ListenerKey, str | None]]) -> None:
        if not stale:
            return
        if shutil.which("conntrack") is None:
            log.warning("conntrack not found: UDP clients of %d removed endpoints keep their old flows", len(stale))
            return
        for key, endpoint_ip in stale:
            argv = ["conntrack", "-D", "-p", "udp", "--orig-dst", key.ip, "--orig-port-dst", str(key.port)]
            if endpoint_ip is not None:
                argv += ["--reply-src", endpoint_ip]
            _run(argv, check=False)  # exit 1 when there was no such flow: nothing to forget

    def allow_localnet(self) -> None:
        try:
            self._localnet_before = ROUTE_LOCALNET.read_text().strip()
            if self._localnet_before != "1":
                ROUTE_LOCALNET.write_text("1")
                log.warning("set net.ipv4.conf.all.route_localnet=1 so NodePorts on 127.0.0.1 reach pods")
        except OSError as error:
            log.warning("cannot set route_localnet (%s): NodePorts on 127.0.0.1 reach loopback endpoints only", error)

    def cleanup(self) -> None:
        with self._lock:
            self._closed = True
            self._remove_all()

    def _remove_all(self) -> None:
        for builtin, target in self.jumps:
            while _run(["iptables", "-w", "-t", "nat", "-D", builtin, "-j", target], check=False).returncode == 0:
                pass
        owned = self.current_chains()
        if owned:
            lines = ["*nat", *(f":{c} - [0:0]" for c in owned), *(f"-X {c}" for c in owned), "COMMIT", ""]
            _run(["iptables-restore", "--noflush", "--wait"], stdin="\n".join(lines))
        if self._localnet_before is not None and self._localnet_before != "1":
            try:
                ROUTE_LOCALNET.write_text(self._localnet_before)
            except OSError:
                pass
