"""Loopback backends that say who they are, and clients that ask, for proxy tests.

Each `Backend` listens on its own loopback address (127.0.0.2, 127.0.0.3, ...) and
answers two ways on TCP: an HTTP GET gets its name as the body (then close), any
other line gets `<name> <line>` back on a connection that stays open, so a test
can hold a connection across an Endpoints change. `UdpBackend` answers each
datagram with `<name> <datagram>`. Only loopback addresses are ever used.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import threading
import time
from dataclasses import dataclass, field

REQUEST_TIMEOUT_SECONDS = 5.0


def _check_local(host: str) -> None:
    assert ipaddress.IPv4Address(host).is_loopback, f"{host}: tests serve on loopback only"


class _Handler(socketserver.StreamRequestHandler):
    def handle(self) -> None:
        name = self.server.backend_name  # type: ignore[attr-defined]
        self.server.hits.append(self.client_address[0])  # type: ignore[attr-defined]
        first = self.rfile.readline()
        if first.startswith(b"GET "):
            while self.rfile.readline().strip():
                pass
            body = name.encode()
            self.wfile.write(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            return
        line = first
        while line:
            self.wfile.write(f"{name} {line.decode().strip()}\n".encode())
            line = self.rfile.readline()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class Backend:
    host: str
    port: int = 0
    name: str = ""
    _server: _Server | None = field(default=None, repr=False)

    def start(self) -> Backend:
        _check_local(self.host)
        self._server = _Server((self.host, self.port), _Handler)
        self._server.backend_name = self.name or self.host  # type: ignore[attr-defined]
        self._server.hits = []  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        self.name = self.name or self.host
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    @property
    def hits(self) -> list[str]:
        return self._server.hits if self._server else []  # type: ignore[attr-defined]

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


class UdpBackend:
    def __init__(self, host: str, port: int = 0):
        _check_local(host)
        self.host = host
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((host, port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self._stopped = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            self.sock.sendto(f"{self.host} ".encode() + data, addr)

    def stop(self) -> None:
        self._stopped.set()
        self.sock.close()


def http_get(host: str, port: int, *, source: str | None = None, timeout: float = REQUEST_TIMEOUT_SECONDS) -> str:
    """One HTTP/1.0 GET on a fresh connection; the body, stripped (the backend's or pod's name)."""
    with socket.create_connection((host, port), timeout=timeout, source_address=(source, 0) if source else None) as s:
        s.sendall(b"GET / HTTP/1.0\r\nHost: test\r\n\r\n")
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split()
    assert status[:1] in ([b"HTTP/1.0"], [b"HTTP/1.1"]) and status[1:2] == [b"200"], (
        f"unexpected answer from {host}:{port}: {head[:80]!r}"
    )
    return body.decode().strip()


class LineClient:
    """A connection that stays open: each `ask(line)` gets `<backend name> <line>` back."""

    def __init__(self, host: str, port: int, *, timeout: float = REQUEST_TIMEOUT_SECONDS):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.reader = self.sock.makefile("rb")

    def ask(self, line: str) -> str:
        self.sock.sendall(line.encode() + b"\n")
        answer = self.reader.readline().decode().strip()
        assert answer, "connection closed by the proxy"
        return answer

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def udp_ask(host: str, port: int, payload: bytes, *, timeout: float = 2.0) -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(payload, (host, port))
        data, _ = sock.recvfrom(65535)
    return data.decode()


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.05):
    """Poll `predicate` until it returns something truthy; fail with `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
