"""The audit log writer: every event a JSON line, a full buffer drops instead of blocking, rotation by size."""

from __future__ import annotations

import datetime
import json

from apiserver.audit.writer import ERRORS, AuditLogWriter, backup_name


def test_events_become_json_lines_in_order(tmp_path):
    writer = AuditLogWriter(str(tmp_path / "audit.log"))
    writer.start()
    for index in range(1000):
        writer.write({"auditID": str(index)})
    writer.close()
    lines = (tmp_path / "audit.log").read_text().splitlines()
    assert [json.loads(line)["auditID"] for line in lines] == [str(i) for i in range(1000)]


def test_a_full_buffer_drops_and_counts_instead_of_blocking(tmp_path):
    writer = AuditLogWriter(str(tmp_path / "audit.log"), buffer_events=3)  # not started: nothing drains
    before = ERRORS.labels("log")._value.get()
    for index in range(5):
        writer.write({"auditID": str(index)})
    assert ERRORS.labels("log")._value.get() - before == 2


def test_past_the_size_limit_the_file_is_rotated_and_old_ones_pruned(tmp_path):
    path = tmp_path / "audit.log"
    writer = AuditLogWriter(str(path), max_bytes=300, max_backups=2)
    writer.start()
    for index in range(40):
        writer.write({"auditID": f"{index:04d}", "pad": "x" * 50})
    writer.close()
    backups = sorted(tmp_path.glob("audit-*.log"))
    assert len(backups) == 2, backups
    assert path.stat().st_size <= 300
    last = [json.loads(line)["auditID"] for line in path.read_text().splitlines()]
    assert last[-1] == "0039", "the newest events are in the current file"
    assert backup_name(path, datetime.datetime(2026, 1, 2, 15, 4, 5, 7000)).name == "audit-2026-01-02T15-04-05.007.log"
