"""The audit log backend (`--audit-log-path`): JSON lines written by a thread, never by the event loop.

    request path ──write(event)──► bounded buffer (BUFFER_EVENTS) ──► writer thread, woken by the
    first event into an empty buffer, waits FLUSH_SECONDS for more, then serializes what is buffered,
    appends it to the file, flushes; past `--audit-log-maxsize` MB the file is renamed
    `<name>-<UTC time>.<ext>` and a new one opened, keeping `--audit-log-maxbackup` old files.

The event loop only appends to a deque (no lock; a wake-up only for the first event of a batch, so an
idle server's writer thread sleeps instead of polling); a full buffer drops the
event and counts it (`apiserver_audit_error_total{plugin="log"}`): a
stalled disk slows no request. `-` as the path writes to standard output, as kube-apiserver does.
"""

from __future__ import annotations

import datetime
import logging
import sys
import threading
from collections import deque
from pathlib import Path

from prometheus_client import Counter

from apiserver.metrics import REGISTRY
from kubemini import json_codec

log = logging.getLogger("apiserver.audit")
BUFFER_EVENTS = 10000
FLUSH_SECONDS = 0.05
CLOSE_TIMEOUT_SECONDS = 5.0
BYTES_PER_MB = 1024 * 1024

EVENTS = Counter(
    "apiserver_audit_event", "Counter of audit events generated and sent to the audit backend.", registry=REGISTRY
)
ERRORS = Counter(
    "apiserver_audit_error",
    "Counter of audit events that failed to be audited properly.",
    ["plugin"],
    registry=REGISTRY,
)


def backup_name(path: Path, now: datetime.datetime) -> Path:
    """lumberjack's naming, as kube-apiserver's rotated logs: audit-2026-01-02T15-04-05.000.log."""
    stamp = now.strftime("%Y-%m-%dT%H-%M-%S.") + f"{now.microsecond // 1000:03d}"
    return path.with_name(f"{path.stem}-{stamp}{path.suffix}")


class AuditLogWriter:
    def __init__(self, path: str, *, max_bytes: int = 0, max_backups: int = 0, buffer_events: int = BUFFER_EVENTS):
        self._stdout = path == "-"
        self._path = Path(path)
        self._max_bytes = max_bytes
        self._max_backups = max_backups
        self._buffer_events = buffer_events
        self._buffer: deque[dict] = deque()
        self._closing = threading.Event()
        self._pending = threading.Event()  # set: the buffer may hold events
        self._thread = threading.Thread(target=self._run, name="audit-log", daemon=True)
        self._file = None
        self._size = 0

    def start(self) -> None:
        if not self._stdout:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            self._open()
        self._thread.start()

    def write(self, event: dict) -> None:
        """Called on the event loop: never blocks."""
        if len(self._buffer) >= self._buffer_events:
            EVENTS.inc()
            ERRORS.labels("log").inc()
            return
        self._buffer.append(event)
        if not self._pending.is_set():
            self._pending.set()

    def close(self) -> None:
        """Write what is buffered and stop the thread (blocking: call it from a thread at shutdown)."""
        if not self._thread.is_alive():
            return
        self._closing.set()
        self._pending.set()
        self._thread.join(CLOSE_TIMEOUT_SECONDS)

    def _open(self) -> None:
        self._file = open(self._path, "ab")  # noqa: SIM115 - held open by the writer thread
        self._size = self._file.tell()

    def _run(self) -> None:
        while not self._closing.is_set():
            self._pending.wait()
            self._closing.wait(FLUSH_SECONDS)  # gather a batch (cut short by close)
            # Cleared before draining: an event appended after this line sets it again.
            self._pending.clear()
            self._drain()
        self._drain()
        if self._file is not None:
            self._file.close()

    def _drain(self) -> None:
        events = []
        while self._buffer:
            events.append(self._buffer.popleft())
        EVENTS.inc(len(events))
        try:
            self._append([json_codec.dumps(event) + b"\n" for event in events])
        except (OSError, TypeError, ValueError) as exc:
            ERRORS.labels("log").inc(len(events))
            log.error("could not write %d audit events: %s", len(events), exc)

    def _append(self, lines: list[bytes]) -> None:
        if not lines:
            return
        if self._stdout:
            sys.stdout.buffer.write(b"".join(lines))
            sys.stdout.buffer.flush()
            return
        pending: list[bytes] = []
        for line in lines:
            if self._max_bytes and self._size and self._size + len(line) > self._max_bytes:
                self._file.write(b"".join(pending))
                pending = []
                self._rotate()
            pending.append(line)
            self._size += len(line)
        self._file.write(b"".join(pending))
        self._file.flush()

    def _rotate(self) -> None:
        self._file.close()
        target = backup_name(self._path, datetime.datetime.now(datetime.UTC))
        while target.exists():  # two rotations within a millisecond
            target = target.with_name(target.stem + "0" + target.suffix)
        self._path.rename(target)
        self._open()
        if self._max_backups:
            backups = sorted(self._path.parent.glob(f"{self._path.stem}-*{self._path.suffix}"))
            for old in backups[: -self._max_backups]:
                old.unlink(missing_ok=True)
