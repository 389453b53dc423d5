"""Starting control-plane processes detached from the CLI, and stopping them.

Each process starts in a session of its own: it outlives `kubemini up`, a
Ctrl-C in the terminal that ran `up` does not reach it, and it leads a process
group, so a stop signal reaches whatever children it made too. Output goes to
its log file, appended, with a header line per start so restarts stay legible.

Stopping is SIGTERM to the group, a wait up to a deadline for a graceful exit,
then SIGKILL.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from kubemini.cli.pidfiles import ProcessRecord, is_running

EXIT_POLL_INTERVAL_SECONDS = 0.05
KILL_WAIT_SECONDS = 5.0
START_HEADER_PREFIX = "=== kubemini starts "


class StopOutcome(Enum):
    NOT_RUNNING = "not running"
    STOPPED = "stopped"
    KILLED = "killed after the grace period"


def spawn_detached(
    argv: list[str],
    *,
    log_path: Path,
    cwd: Path,
    env: Mapping[str, str],
) -> subprocess.Popen[bytes]:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        started = datetime.now(UTC).isoformat(timespec="seconds")
        log.write(f"\n{START_HEADER_PREFIX}{started}: {shlex.join(argv)}\n".encode())
        log.flush()
        # The child keeps its own copy of the log descriptor; ours closes here.
        return subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=dict(env),
            start_new_session=True,
            close_fds=True,
        )


def signal_process_group(pid: int, signum: int) -> None:
    """Signal the group `pid` leads, or only `pid` if it no longer leads one."""
    try:
        leads_group = os.getpgid(pid) == pid
        if leads_group:
            os.killpg(pid, signum)
        else:
            os.kill(pid, signum)
    except ProcessLookupError:
        pass  # exited between the check and the signal: what we wanted


def wait_for_exit(record: ProcessRecord, timeout_seconds: float) -> bool:
    deadline = time.monotonic() + timeout_seconds
    while is_running(record):
        if time.monotonic() >= deadline:
            return False
        time.sleep(EXIT_POLL_INTERVAL_SECONDS)
    return True


def stop_process(record: ProcessRecord, *, timeout_seconds: float) -> StopOutcome:
    if not is_running(record):
        return StopOutcome.NOT_RUNNING
    signal_process_group(record.pid, signal.SIGTERM)
    if wait_for_exit(record, timeout_seconds):
        return StopOutcome.STOPPED
    signal_process_group(record.pid, signal.SIGKILL)
    if wait_for_exit(record, KILL_WAIT_SECONDS):
        return StopOutcome.KILLED
    raise RuntimeError(f"pid {record.pid} still runs {KILL_WAIT_SECONDS}s after SIGKILL")


def read_log_tail(path: Path, *, lines: int) -> str:
    """The last `lines` lines the most recent start wrote (earlier runs would mislead)."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no log written)"
    latest_start = text.rfind(f"\n{START_HEADER_PREFIX}")
    if latest_start >= 0:
        text = text[latest_start + 1 :]
    return "\n".join(text.rstrip("\n").splitlines()[-lines:])
