"""/proc parsing and the CPU/RSS arithmetic of `kubemini status` and bench/idle.py, on fixture text."""

from __future__ import annotations

import os

import pytest

from kubemini.cli.process_usage import (
    CLOCK_TICKS_PER_SECOND,
    ProcessSample,
    Snapshot,
    cpu_percent,
    cpu_seconds,
    parse_rss_bytes,
    parse_schedstat_ns,
    parse_stat,
    take_snapshot,
    thread_cpu_ns,
    thread_cpu_percent,
    tree_pids,
    tree_usage,
)

# A real line's shape (proc(5)): pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt
# cmajflt utime stime cutime cstime priority nice threads itrealvalue starttime vsize rss ...
ETCD_STAT = (
    "4242 (etcd) S 1 4242 4242 0 -1 1077936384 9133 0 12 0 150 37 0 0 20 0 14 0 987654 "
    "11812932000 18000 18446744073709551615 1 1 0 0 0 0 0 0 2143420159 0 0 0 17 1 0 0 0 0 0\n"
)
# A command name with spaces and parentheses, as a process can set for itself.
ODD_STAT = "77 (a (b) c) R 4242 4242 4242 0 -1 0 0 0 0 0 5 6 0 0 20 0 1 0 999 0 0 0\n"
STATUS = "Name:\tetcd\nState:\tS (sleeping)\nVmPeak:\t 11812932 kB\nVmRSS:\t   73332 kB\nThreads:\t14\n"
ZOMBIE_STATUS = "Name:\tpython\nState:\tZ (zombie)\nThreads:\t1\n"


def sample(pid: int, *, ppid: int = 1, session: int | None = None, ticks: int = 0, start: int = 100, rss: int = 0):
    return ProcessSample(pid, ppid, pid if session is None else session, "S", ticks, start, rss)


def test_stat_fields_after_the_command_name():
    pid, parsed = parse_stat(ETCD_STAT)

    assert pid == 4242
    assert (parsed.state, parsed.ppid, parsed.session) == ("S", 1, 4242)
    assert parsed.cpu_ticks == 150 + 37
    assert parsed.start_ticks == 987654


def test_command_names_with_spaces_and_parentheses_do_not_shift_the_fields():
    pid, parsed = parse_stat(ODD_STAT)

    assert pid == 77
    assert (parsed.state, parsed.ppid, parsed.session, parsed.cpu_ticks, parsed.start_ticks) == (
        "R",
        4242,
        4242,
        11,
        999,
    )


def test_rss_from_status_in_bytes_and_zero_without_memory():
    assert parse_rss_bytes(STATUS) == 73332 * 1024
    assert parse_rss_bytes(ZOMBIE_STATUS) == 0
    with pytest.raises(ValueError):
        parse_rss_bytes("VmRSS:\t 12 MB\n")


def test_a_tree_is_the_session_and_every_descendant():
    processes = {
        10: sample(10),
        11: sample(11, ppid=10, session=10),  # a worker in the leader's session
        12: sample(12, ppid=10),  # a child that started a session of its own
        13: sample(13, ppid=12),  # and its child
        14: sample(14, ppid=1, session=10),  # double-forked: reparented to init, still in the session
        20: sample(20),  # a stranger
    }

    assert tree_pids(10, processes) == {10, 11, 12, 13, 14}
    assert tree_pids(99, processes) == frozenset()


def test_cpu_over_the_interval_counts_new_processes_from_zero_and_a_reused_pid_as_new():
    before = Snapshot(100.0, {10: sample(10, ticks=500), 11: sample(11, ppid=10, ticks=40, start=200)})
    after = Snapshot(
        102.0,
        {
            10: sample(10, ticks=500 + CLOCK_TICKS_PER_SECOND),  # one second of CPU in two
            11: sample(11, ppid=10, ticks=3, start=250),  # pid 11 reused by a new child: 3 ticks, not -37
            12: sample(12, ppid=10, ticks=0),
        },
    )

    assert cpu_seconds(before, after, {10, 11, 12}) == pytest.approx(1 + 3 / CLOCK_TICKS_PER_SECOND)
    assert cpu_percent(before, after, {10}) == pytest.approx(50.0)
    assert cpu_percent(before, before, {10}) == 0.0


def test_tree_usage_sums_rss():
    snapshot = Snapshot(0.0, {10: sample(10, rss=1000), 11: sample(11, ppid=10, rss=24), 20: sample(20, rss=7)})

    assert tree_usage(10, snapshot).rss_bytes == 1024


def test_a_live_snapshot_sees_this_process():
    snapshot = take_snapshot()

    me = snapshot.processes[os.getpid()]
    assert me.rss_bytes > 0 and me.ppid == os.getppid()


def test_schedstat_gives_nanoseconds_on_the_cpu():
    assert parse_schedstat_ns("3778322729 30236951815 114307\n") == 3778322729


def test_thread_cpu_sums_every_thread_of_a_process(tmp_path):
    for tid, line in ((42, "1000 5 1\n"), (43, "250 9 2\n")):
        (tmp_path / "42" / "task" / str(tid)).mkdir(parents=True)
        (tmp_path / "42" / "task" / str(tid) / "schedstat").write_text(line)

    assert thread_cpu_ns(42, tmp_path) == 1250
    assert thread_cpu_ns(7, tmp_path) is None


def test_thread_cpu_percent_over_a_short_sample():
    before = Snapshot(10.0, {10: sample(10), 11: sample(11, ppid=10, start=200)})
    after = Snapshot(10.5, {10: sample(10), 11: sample(11, ppid=10, start=300), 12: sample(12, ppid=10)})
    before_ns = {10: 1_000_000_000, 11: 900_000_000}
    # 10 ran 5 ms; 11 is a new process on a reused pid (2 ms since it started); 12 is unreadable.
    after_ns = {10: 1_005_000_000, 11: 2_000_000, 12: None}

    assert thread_cpu_percent(before, after, before_ns, after_ns, {10, 11, 12}) == pytest.approx(1.4)
