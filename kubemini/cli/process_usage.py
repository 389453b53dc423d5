"""CPU time and resident memory of a component and every process it made, read from /proc.

    /proc/<pid>/stat    → ppid, session, utime + stime (clock ticks), start time   (parse_stat)
    /proc/<pid>/status  → VmRSS (kB)                                               (parse_rss_bytes)
    one scan of /proc   → a snapshot of every process                              (take_snapshot)
    snapshot + leader   → the leader's tree: its session and its descendants       (tree_usage)
    two snapshots       → CPU % of one core over the interval between them          (cpu_percent)
    /proc/<pid>/task/*/schedstat → on-CPU nanoseconds of the live threads          (thread_cpu_ns)

Each component is started in a session of its own (kubemini/cli/processes.py), so its children
(worker processes, helpers) share its session id unless they start one of their own; descendants by
parent pid catch those too. CPU time is the sum over the tree of utime + stime, so a child that
exited between two snapshots drops out of the sum: `cpu_percent` never reports a negative delta.
RSS is summed over the tree (shared pages counted once per process: an upper bound).

utime + stime are counted in clock ticks (10 ms): fine over a minute, coarse over one second. For a
short sample, `thread_cpu_ns` sums the nanosecond run times the scheduler keeps per thread; a thread
that exits during the sample drops out of that sum, so it suits short samples only.
"""

from __future__ import annotations

import dataclasses
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PROC_ROOT = Path("/proc")
# Fields of /proc/<pid>/stat counted after the ")" that closes the command name (proc(5) numbers
# them from 1 with pid and comm first: state is field 3, so index = field - 3).
_STATE, _PPID, _SESSION, _UTIME, _STIME, _START = 0, 1, 3, 11, 12, 19
CLOCK_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class ProcessSample:
    pid: int
    ppid: int
    session: int
    state: str
    cpu_ticks: int  # utime + stime
    start_ticks: int
    rss_bytes: int


@dataclass(frozen=True)
class Snapshot:
    taken_at: float  # time.monotonic()
    processes: Mapping[int, ProcessSample]


@dataclass(frozen=True)
class TreeUsage:
    pids: frozenset[int]
    cpu_ticks: int
    rss_bytes: int


def parse_stat(text: str) -> tuple[int, ProcessSample]:
    """The fields of one /proc/<pid>/stat line that we use; rss_bytes is left 0 (it comes from status)."""
    pid = int(text[: text.index("(")])
    # The command name may hold spaces and parentheses: the fields start after the last ")".
    fields = text[text.rindex(")") + 2 :].split()
    sample = ProcessSample(
        pid=pid,
        ppid=int(fields[_PPID]),
        session=int(fields[_SESSION]),
        state=fields[_STATE],
        cpu_ticks=int(fields[_UTIME]) + int(fields[_STIME]),
        start_ticks=int(fields[_START]),
        rss_bytes=0,
    )
    return pid, sample


def parse_rss_bytes(status_text: str) -> int:
    """VmRSS of /proc/<pid>/status in bytes; 0 for a process without memory (a zombie, a kernel thread)."""
    for line in status_text.splitlines():
        if line.startswith("VmRSS:"):
            value, _, unit = line.split(":", 1)[1].strip().partition(" ")
            if unit.strip().lower() != "kb":
                raise ValueError(f"unexpected VmRSS unit in {line!r}")
            return int(value) * 1024
    return 0


def parse_schedstat_ns(text: str) -> int:
    """The first field of /proc/<pid>/task/<tid>/schedstat: time spent on the CPU, in nanoseconds."""
    return int(text.split()[0])


def thread_cpu_ns(pid: int, proc_root: Path = PROC_ROOT) -> int | None:
    """On-CPU nanoseconds summed over the live threads of `pid`; None when it cannot be read."""
    total = 0
    try:
        for task in (proc_root / str(pid) / "task").iterdir():
            try:
                total += parse_schedstat_ns((task / "schedstat").read_text())
            except (FileNotFoundError, ProcessLookupError):
                continue  # the thread exited while we listed them
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
        return None
    return total


def read_process(pid: int, proc_root: Path = PROC_ROOT) -> ProcessSample | None:
    try:
        _, sample = parse_stat((proc_root / str(pid) / "stat").read_text())
        rss = parse_rss_bytes((proc_root / str(pid) / "status").read_text())
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError, IndexError):
        return None  # gone between the listing and the read, or not ours to read
    return dataclasses.replace(sample, rss_bytes=rss)


def take_snapshot(proc_root: Path = PROC_ROOT) -> Snapshot:
    processes = {}
    for entry in proc_root.iterdir():
        if entry.name.isdigit():
            sample = read_process(int(entry.name), proc_root)
            if sample is not None:
                processes[sample.pid] = sample
    return Snapshot(time.monotonic(), processes)


def tree_pids(leader: int, processes: Mapping[int, ProcessSample]) -> frozenset[int]:
    """`leader`, the processes of its session, and all their descendants."""
    if leader not in processes:
        return frozenset()
    members = {leader} | {pid for pid, sample in processes.items() if sample.session == leader}
    children: dict[int, list[int]] = {}
    for pid, sample in processes.items():
        children.setdefault(sample.ppid, []).append(pid)
    pending = list(members)
    while pending:
        for child in children.get(pending.pop(), ()):
            if child not in members:
                members.add(child)
                pending.append(child)
    return frozenset(members)


def tree_usage(leader: int, snapshot: Snapshot) -> TreeUsage:
    pids = tree_pids(leader, snapshot.processes)
    samples = [snapshot.processes[pid] for pid in pids]
    return TreeUsage(pids, sum(s.cpu_ticks for s in samples), sum(s.rss_bytes for s in samples))


def cpu_seconds(before: Snapshot, after: Snapshot, pids: Iterable[int]) -> float:
    """CPU seconds `pids` used between the snapshots; a process that started in between counts from 0.

    A pid is matched on its start time too, so a pid reused in between is not mistaken for the old one."""
    ticks = 0
    for pid in pids:
        late = after.processes.get(pid)
        if late is None:
            continue
        early = before.processes.get(pid)
        baseline = early.cpu_ticks if early is not None and early.start_ticks == late.start_ticks else 0
        ticks += max(0, late.cpu_ticks - baseline)
    return ticks / CLOCK_TICKS_PER_SECOND


def cpu_percent(before: Snapshot, after: Snapshot, pids: Iterable[int]) -> float:
    """CPU use of `pids` between the snapshots as a percentage of one core."""
    elapsed = after.taken_at - before.taken_at
    if elapsed <= 0:
        return 0.0
    return 100.0 * cpu_seconds(before, after, pids) / elapsed


def thread_cpu_percent(
    before: Snapshot,
    after: Snapshot,
    before_ns: Mapping[int, int | None],
    after_ns: Mapping[int, int | None],
    pids: Iterable[int],
) -> float:
    """Like `cpu_percent`, from `thread_cpu_ns` read with each snapshot (nanoseconds, for short samples)."""
    elapsed = after.taken_at - before.taken_at
    if elapsed <= 0:
        return 0.0
    used = 0
    for pid in pids:
        early, late, now = before.processes.get(pid), after.processes.get(pid), after_ns.get(pid)
        if late is None or now is None:
            continue
        same_process = early is not None and early.start_ticks == late.start_ticks
        used += max(0, now - ((before_ns.get(pid) or 0) if same_process else 0))
    return 100.0 * used / 1e9 / elapsed
