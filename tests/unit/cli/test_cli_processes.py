"""Detached processes: their own session, their log file, and SIGTERM-then-SIGKILL stops."""

from __future__ import annotations

import os
import sys
import time

from kubemini.cli.pidfiles import is_running, record_for
from kubemini.cli.processes import StopOutcome, read_log_tail, spawn_detached, stop_process

PYTHON = sys.executable
LOG_DEADLINE_SECONDS = 10.0
# Children print these split in two: the log's header line repeats their
# command line, so a marker written whole there would be found too early.
READY = "READY-MARK"
PY_PRINT_READY = "print('READY' + '-MARK', flush=True)"


def _spawn(tmp_path, code: str):
    return spawn_detached(
        [PYTHON, "-c", code], log_path=tmp_path / "logs" / "p.log", cwd=tmp_path, env=dict(os.environ)
    )


def _wait_for_log(path, text):
    deadline = time.monotonic() + LOG_DEADLINE_SECONDS
    while text not in (path.read_text() if path.exists() else ""):
        assert time.monotonic() < deadline, f"{text!r} never appeared in {path}"
        time.sleep(0.02)


def test_spawned_process_leads_its_own_session_and_logs_to_its_file(tmp_path):
    process = _spawn(tmp_path, f"import time; {PY_PRINT_READY}; time.sleep(30)")
    try:
        assert os.getsid(process.pid) == process.pid
        assert os.getpgid(process.pid) == process.pid
        log_path = tmp_path / "logs" / "p.log"
        _wait_for_log(log_path, READY)
        assert "kubemini starts" in log_path.read_text()
    finally:
        stop_process(record_for(process.pid), timeout_seconds=5)
        process.wait()


def test_stop_sends_sigterm_and_waits_for_a_graceful_exit(tmp_path):
    code = (
        "import signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: (print('got' + ' TERM', flush=True), sys.exit(0)))\n"
        f"{PY_PRINT_READY}\n"
        "time.sleep(30)\n"
    )
    process = _spawn(tmp_path, code)
    _wait_for_log(tmp_path / "logs" / "p.log", READY)
    record = record_for(process.pid)

    outcome = stop_process(record, timeout_seconds=5)

    assert outcome is StopOutcome.STOPPED
    assert not is_running(record)
    assert "got TERM" in (tmp_path / "logs" / "p.log").read_text()
    assert process.wait() == 0


def test_stop_escalates_to_sigkill_for_a_group_that_ignores_sigterm(tmp_path):
    # The shell and its sleeping child both ignore TERM (SIG_IGN is inherited).
    process = spawn_detached(
        ["sh", "-c", "trap '' TERM; echo READY''-MARK; sleep 30; sleep 30"],
        log_path=tmp_path / "p.log",
        cwd=tmp_path,
        env=dict(os.environ),
    )
    _wait_for_log(tmp_path / "p.log", READY)
    record = record_for(process.pid)
    started = time.monotonic()

    outcome = stop_process(record, timeout_seconds=0.3)

    assert outcome is StopOutcome.KILLED
    assert time.monotonic() - started < 5
    assert process.wait() == -9


def test_stopping_a_process_that_is_gone_is_not_an_error(tmp_path):
    process = _spawn(tmp_path, "pass")
    record = record_for(process.pid)
    process.wait()

    assert stop_process(record, timeout_seconds=1) is StopOutcome.NOT_RUNNING


def test_log_tail_shows_only_the_latest_start(tmp_path):
    log_path = tmp_path / "logs" / "p.log"
    for word in ("first-run", "second-run"):
        process = _spawn(tmp_path, f"print('{word}')")
        process.wait()

    tail = read_log_tail(log_path, lines=50)

    assert "second-run" in tail
    assert "first-run" not in tail
    assert tail.startswith("=== kubemini starts")


def test_log_tail_of_a_missing_log_says_so(tmp_path):
    assert read_log_tail(tmp_path / "nope.log", lines=5) == "(no log written)"
