"""Pid files: round trips, damaged files, and telling our process from a stranger or a zombie."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from kubemini.cli.pidfiles import (
    ProcessRecord,
    is_running,
    read_pid_file,
    read_proc_stat,
    record_for,
    remove_pid_file,
    write_pid_file,
)

ZOMBIE_DEADLINE_SECONDS = 10.0


def test_pid_file_round_trips_pid_and_start_time(tmp_path):
    path = tmp_path / "run" / "etcd.pid"
    record = record_for(os.getpid())

    write_pid_file(path, record)

    assert read_pid_file(path) == record
    assert record.start_ticks is not None
    assert path.read_text().splitlines()[0] == str(os.getpid())


def test_plain_pid_file_without_start_time_is_accepted(tmp_path):
    path = tmp_path / "x.pid"
    path.write_text(f"{os.getpid()}\n")

    record = read_pid_file(path)

    assert record == ProcessRecord(pid=os.getpid(), start_ticks=None)
    assert is_running(record)


@pytest.mark.parametrize("content", ["", "abc\n", "-4\n", "0\n", "12\nnot-a-number\n"])
def test_damaged_pid_file_reads_as_no_process(tmp_path, content):
    path = tmp_path / "x.pid"
    path.write_text(content)

    assert read_pid_file(path) is None


def test_missing_pid_file_reads_as_no_process_and_removal_is_idempotent(tmp_path):
    path = tmp_path / "absent.pid"

    assert read_pid_file(path) is None
    remove_pid_file(path)
    remove_pid_file(path)


def test_this_process_is_running():
    assert is_running(record_for(os.getpid()))


def test_a_reused_pid_with_another_start_time_is_not_our_process():
    mine = record_for(os.getpid())

    stranger = ProcessRecord(pid=mine.pid, start_ticks=mine.start_ticks + 1)

    assert not is_running(stranger)


def test_an_exited_and_reaped_process_is_not_running():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    record = record_for(child.pid)
    child.wait()

    assert not is_running(record)


def test_a_zombie_is_not_running():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    record = record_for(child.pid)
    try:
        deadline = time.monotonic() + ZOMBIE_DEADLINE_SECONDS
        while (stat := read_proc_stat(child.pid)) is not None and stat[0] != "Z":
            assert time.monotonic() < deadline, f"child {child.pid} never became a zombie: {stat}"
            time.sleep(0.01)
        assert not is_running(record)
    finally:
        child.wait()


def test_stat_parsing_survives_spaces_and_parentheses_in_the_command_name(tmp_path):
    fields_after_name = ["S"] + ["0"] * 18 + ["424242"] + ["0"] * 10
    (tmp_path / "77").mkdir()
    (tmp_path / "77" / "stat").write_text(f"77 (evil ) name) (x) {' '.join(fields_after_name)}\n")

    assert read_proc_stat(77, proc_root=tmp_path) == ("S", 424242)
    assert is_running(ProcessRecord(77, 424242), proc_root=tmp_path)
    assert not is_running(ProcessRecord(77, 1), proc_root=tmp_path)
    assert not is_running(ProcessRecord(78, None), proc_root=tmp_path)
