"""Leader election between separate processes on the real apiserver.

Each candidate (see elector_process.py) appends a timestamped tick while it
believes it leads. Merged on the machine-wide monotonic clock, the ticks must
form clean segments — a, then b, then c, then d — never interleaved: that is
the "two leaders never act at once" check, across kill -9, a frozen (SIGSTOP)
leader and a clean SIGTERM handover.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kubemini.api.registry import by_kind
from tests.integration.client.conftest import wait_for
from tests.support.processes import REPO_ROOT

LEASE_DURATION_SECONDS = 3.0
RENEW_DEADLINE_SECONDS = 2.0
RETRY_PERIOD_SECONDS = 0.3
# A standby notices expiry on its next poll after leaseDuration from when it last saw the record
# change, which itself may be one poll after the holder's last renew: two (jittered) polls of slack.
TAKEOVER_BOUND_SECONDS = LEASE_DURATION_SECONDS + 2 * RETRY_PERIOD_SECONDS * 1.2 + 1.0


def read_ticks(path: Path) -> list[tuple[str, float]]:
    if not path.exists():
        return []
    ticks = []
    for line in path.read_text().splitlines():
        identity, stamp = line.split()
        ticks.append((identity, float(stamp)))
    return sorted(ticks, key=lambda tick: tick[1])


def segments(ticks: list[tuple[str, float]]) -> list[tuple[str, float, float]]:
    """Consecutive ticks of one identity collapsed into (identity, first, last)."""
    merged: list[tuple[str, float, float]] = []
    for identity, stamp in ticks:
        if merged and merged[-1][0] == identity:
            merged[-1] = (identity, merged[-1][1], stamp)
        else:
            merged.append((identity, stamp, stamp))
    return merged


class Candidates:
    def __init__(self, server: str, namespace: str, tmp_path: Path):
        self.server, self.namespace, self.tmp_path = server, namespace, tmp_path
        self.ticks = tmp_path / "ticks"
        self.processes: dict[str, subprocess.Popen] = {}

    def spawn(self, identity: str) -> subprocess.Popen:
        argv = [
            sys.executable, "-m", "tests.integration.client.elector_process",
            "--server", self.server, "--identity", identity, "--ticks", str(self.ticks),
            "--namespace", self.namespace,
            "--lease-duration", str(LEASE_DURATION_SECONDS),
            "--renew-deadline", str(RENEW_DEADLINE_SECONDS),
            "--retry-period", str(RETRY_PERIOD_SECONDS),
        ]  # fmt: skip
        log = open(self.tmp_path / f"{identity}.log", "wb")  # noqa: SIM115 - kept for the process
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
        self.processes[identity] = process
        return process

    def log(self, identity: str) -> str:
        return (self.tmp_path / f"{identity}.log").read_text(errors="replace")[-2000:]

    def has_ticked(self, identity: str, *, after: float = 0.0) -> bool:
        return any(who == identity and stamp > after for who, stamp in read_ticks(self.ticks))

    def cleanup(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGCONT)
                process.kill()
            process.wait()


async def test_leaders_never_overlap_across_kill_freeze_and_clean_handover(client, namespace, tmp_path):
    candidates = Candidates(client.server, namespace, tmp_path)
    try:
        describe = lambda: f"segments={segments(read_ticks(candidates.ticks))}"  # noqa: E731
        a = candidates.spawn("a")
        await wait_for(lambda: candidates.has_ticked("a"), what="a to lead", describe=lambda: candidates.log("a"))
        candidates.spawn("b")
        await asyncio.sleep(1.5)  # a window of several renew rounds in which b must stay standby
        assert [s[0] for s in segments(read_ticks(candidates.ticks))] == ["a"]
        lease = await client.get(by_kind("Lease"), "elector-test", namespace=namespace)
        assert lease["spec"]["holderIdentity"] == "a"

        # 1. kill -9 the leader: b takes over once the lease expires, not before.
        a.kill()
        killed = time.monotonic()
        await wait_for(lambda: candidates.has_ticked("b"), what="b to take over", timeout=15, describe=describe)
        (_, _, a_last), (_, b_first, _) = segments(read_ticks(candidates.ticks))
        assert b_first - killed < TAKEOVER_BOUND_SECONDS
        assert b_first - a_last > LEASE_DURATION_SECONDS - RENEW_DEADLINE_SECONDS, "b did not wait for expiry"
        lease = await client.get(by_kind("Lease"), "elector-test", namespace=namespace)
        assert (lease["spec"]["holderIdentity"], lease["spec"]["leaseTransitions"]) == ("b", 1)

        # 2. Freeze the leader: c takes over; thawed, b must notice it lost and stop acting.
        candidates.spawn("c")
        b = candidates.processes["b"]
        b.send_signal(signal.SIGSTOP)
        frozen = time.monotonic()
        await wait_for(lambda: candidates.has_ticked("c"), what="c to take over", timeout=15, describe=describe)
        b.send_signal(signal.SIGCONT)
        assert await asyncio.to_thread(b.wait, 10) == 3, candidates.log("b")
        assert time.monotonic() - frozen < 15

        # 3. Clean shutdown: c releases the lease and d leads well before the lease would expire.
        d = candidates.spawn("d")
        await asyncio.sleep(1.0)  # d settles as standby
        assert not candidates.has_ticked("d")
        c = candidates.processes["c"]
        c.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert await asyncio.to_thread(c.wait, 10) == 0, candidates.log("c")
        await wait_for(lambda: candidates.has_ticked("d"), what="d to take over", timeout=10, describe=describe)
        d_first = segments(read_ticks(candidates.ticks))[-1][1]
        assert d_first - stopped < LEASE_DURATION_SECONDS / 2, "a released lease must be taken at once"

        # Not a single interleaving across all of it.
        assert [s[0] for s in segments(read_ticks(candidates.ticks))] == ["a", "b", "c", "d"], describe()
        d.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(d.wait, 10) == 0, candidates.log("d")
        lease = await client.get(by_kind("Lease"), "elector-test", namespace=namespace)
        assert lease["spec"]["holderIdentity"] == "" and lease["spec"]["leaseTransitions"] == 3
    finally:
        candidates.cleanup()
