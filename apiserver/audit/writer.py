"""The audit log backend (`--audit-log-path`): JSON lines written by a thread, never by the event loop.

    request path ──write(event)──► bounded queue (BUFFER_EVENTS) ──► writer thread: serialize a
    batch, append it to the file, flush; past `--audit-log-maxsize` MB the file is renamed
    `<name>-<UTC time>.<ext>` and a new one opened, keeping `--audit-log-maxbackup` old files.

A full queue drops the event and counts it (`apiserver_audit_error_total{plugin="log"}`): a
stalled disk slows no request. `-` as the path writes to standard output, as kube-apiserver does.
"""

from __future__ import annotations

import datetime
import logging
import queue
import sys
import threading
from pathlib import Path

from prometheus_client import Counter

from apiserver.metrics import REGISTRY
from kubemini import json_codec

log = logging.getLogger("apiserver.audit")
BUFFER_EVENTS = 10000
BATCH_EVENTS = 400
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
_CLOSE = object()


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
        self._queue: queue.Queue = queue.Queue(buffer_events)
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
        EVENTS.inc()
        try:
            self._queue.put_nowait(event)
        except queue.Full:
            ERRORS.labels("log").inc()

    def close(self) -> None:
        """Write what is buffered and stop the thread (blocking: call it from a thread at shutdown)."""
        if not self._thread.is_alive():
            return
        try:
            self._queue.put(_CLOSE, timeout=CLOSE_TIMEOUT_SECONDS)
        except queue.Full:
            return
        self._thread.join(CLOSE_TIMEOUT_SECONDS)

    def _open(self) -> None:
        self._file = open(self._path, "ab")  # noqa: SIM115 - held open by the writer thread
        self._size = self._file.tell()

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < BATCH_EVENTS:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            closing = any(item is _CLOSE for item in batch)
            events = [item for item in batch if item is not _CLOSE]
            try:
                self._append([json_codec.dumps(event) + b"\n" for event in events])
            except (OSError, TypeError, ValueError) as exc:
                ERRORS.labels("log").inc(len(events))
                log.error("could not write %d audit events: %s", len(events), exc)
            if closing:
                if self._file is not None:
                    self._file.close()
                return

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
