"""Connections: one that sends nothing is closed, a slow header dribble is closed, and a
graceful stop ends every open watch cleanly (no ASGI error in the log)."""

from __future__ import annotations

import signal
import socket
import time

from tests.support.api_http import api_http
from tests.support.processes import ApiServer
from tests.support.watch_reader import WatchReader

HEADER_TIMEOUT_SECONDS = 1


def _closed_within(sock: socket.socket, seconds: float) -> float | None:
    """Seconds until the server closed `sock` (recv gives b""), or None if it stayed open."""
    sock.settimeout(seconds)
    started = time.monotonic()
    try:
        while sock.recv(1024):
            pass
    except TimeoutError:
        return None
    except ConnectionResetError:
        pass
    return time.monotonic() - started


def test_silent_and_dribbling_connections_are_closed(own_etcd, tmp_path):
    server = ApiServer(
        own_etcd.url, tmp_path / "apiserver.log", extra_args=("--request-header-timeout", str(HEADER_TIMEOUT_SECONDS))
    ).start()
    try:
        host, port = "127.0.0.1", server.port
        with socket.create_connection((host, port)) as silent:
            assert _closed_within(silent, 5) is not None, "a connection that sends nothing must be closed"
        with socket.create_connection((host, port)) as dribbling:
            dribbling.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
            assert _closed_within(dribbling, 5) is not None, "headers never completed: the connection must go"
        with api_http(base_url=server.url) as api:
            assert api.get("/api/v1/namespaces").status_code == 200, "normal requests are unaffected"
    finally:
        server.stop()


def test_graceful_stop_ends_watches_without_errors(own_etcd, tmp_path):
    log_path = tmp_path / "apiserver.log"
    server = ApiServer(own_etcd.url, log_path).start()
    readers = [WatchReader(server.url, "/api/v1/namespaces/default/configmaps") for _ in range(3)]
    try:
        time.sleep(0.5)
        started = time.monotonic()
        server.stop()
        stopped_in = time.monotonic() - started
    finally:
        for reader in readers:
            reader.close()
    # uvicorn re-raises the SIGTERM it handled once shut down, so the exit is "terminated by SIGTERM".
    assert server.process.returncode in (0, -signal.SIGTERM), log_path.read_text()[-2000:]
    assert stopped_in < 5, f"stopping with open watches took {stopped_in:.1f}s"
    log = log_path.read_text()
    for bad in ("ASGI", "Traceback", "Cancel", "Exception in"):
        assert bad not in log, log[-3000:]
