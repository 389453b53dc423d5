"""Pid files, and whether the process a pid file names is still the one we started.

A pid file holds two lines: the pid, and the process's start time in clock
ticks since boot (field 22 of `/proc/<pid>/stat`). After a reboot or a long
time, the pid may belong to an unrelated process; comparing start times keeps
`down` from signalling it. A zombie counts as not running: it has exited, and
on a machine whose PID 1 does not reap orphans it may linger for a long time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

PROC_ROOT = Path("/proc")
# Fields of /proc/<pid>/stat counted after the ")" that closes the command name.
STAT_STATE_INDEX = 0
STAT_START_TICKS_INDEX = 19


@dataclass(frozen=True)
class ProcessRecord:
    pid: int
    start_ticks: int | None  # None: unknown (pid file written by hand or by another tool)


def read_proc_stat(pid: int, proc_root: Path = PROC_ROOT) -> tuple[str, int] | None:
    """(state letter, start ticks) of a live or zombie process; None when there is none."""
    try:
        stat = (proc_root / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    # The command name may contain spaces and parentheses: split after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    return fields[STAT_STATE_INDEX], int(fields[STAT_START_TICKS_INDEX])


def record_for(pid: int, proc_root: Path = PROC_ROOT) -> ProcessRecord:
    stat = read_proc_stat(pid, proc_root)
    return ProcessRecord(pid=pid, start_ticks=stat[1] if stat else None)


def is_running(record: ProcessRecord, proc_root: Path = PROC_ROOT) -> bool:
    stat = read_proc_stat(record.pid, proc_root)
    if stat is None:
        return False
    state, start_ticks = stat
    if state in ("Z", "X"):
        return False
    return record.start_ticks is None or record.start_ticks == start_ticks


def write_pid_file(path: Path, record: ProcessRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [str(record.pid)] + ([str(record.start_ticks)] if record.start_ticks is not None else [])
    partial = path.with_suffix(".partial")
    partial.write_text("\n".join(lines) + "\n")
    partial.replace(path)


def read_pid_file(path: Path) -> ProcessRecord | None:
    """The record in `path`; None when it is absent or unreadable (treated as no process)."""
    try:
        lines = path.read_text().split()
    except FileNotFoundError:
        return None
    try:
        pid = int(lines[0])
        start_ticks = int(lines[1]) if len(lines) > 1 else None
    except (IndexError, ValueError):
        return None
    if pid <= 0:
        return None
    return ProcessRecord(pid=pid, start_ticks=start_ticks)


def remove_pid_file(path: Path) -> None:
    path.unlink(missing_ok=True)
