"""Pieces for the ingress tests: the controller process, keep-alive loopback backends, API helpers.

Backends are plain HTTP/1.1 servers on loopback addresses (127.0.0.2, ...) that
answer with JSON naming themselves, the path and the X-Forwarded-* headers they
got; EndpointSlices written by hand point the Services at them. Nothing here
sends traffic anywhere but loopback.
"""

from __future__ import annotations

import ipaddress
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[3]
START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
ROUTE_DEADLINE_SECONDS = 10.0


class _EchoHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # One write per response (http.server flushes after each request): no Nagle delay between head and body.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(b"")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        self._answer(self.rfile.read(length))

    def _answer(self, request_body: bytes) -> None:
        server = self.server
        server.hits += 1  # type: ignore[attr-defined]
        body = json.dumps(
            {
                "backend": server.backend_name,  # type: ignore[attr-defined]
                "path": self.path,
                "body": request_body.decode(errors="replace"),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class EchoBackend:
    host: str
    name: str
    port: int = 0
    _server: _Server | None = field(default=None, repr=False)

    def start(self) -> EchoBackend:
        assert ipaddress.IPv4Address(self.host).is_loopback, "tests serve on loopback only"
        self._server = _Server((self.host, self.port), _EchoHandler)
        self._server.backend_name = self.name  # type: ignore[attr-defined]
        self._server.hits = 0  # type: ignore[attr-defined]
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class IngressControllerProcess:
    server_url: str
    log_path: Path
    http_port: int = field(default_factory=free_port)
    https_port: int = field(default_factory=free_port)
    health_port: int = field(default_factory=free_port)
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    def argv(self) -> list[str]:
        return [
            sys.executable, "-m", "ingress_controller",
            "--server", self.server_url,
            "--port", str(self.health_port),
            "--http-address", f"127.0.0.1:{self.http_port}",
            "--https-address", f"127.0.0.1:{self.https_port}",
            *self.extra_args,
        ]  # fmt: skip

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> IngressControllerProcess:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self.argv(), stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"ingress controller exited with {self.process.returncode}:\n{self.log_tail()}")
            if self.healthy():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"ingress controller not healthy within {START_DEADLINE_SECONDS}s:\n{self.log_tail()}")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.health_port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def metrics(self) -> str:
        return httpx.get(f"http://127.0.0.1:{self.health_port}/metrics", timeout=5).text

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def stop(self) -> int | None:
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


def create_service(api: httpx.Client, namespace: str, name: str, *, ports: list[dict]) -> None:
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": {"ports": ports}}
    response = api.post(f"/api/v1/namespaces/{namespace}/services", json=body)
    assert response.status_code == 201, response.text


def put_endpoint_slice(
    api: httpx.Client,
    namespace: str,
    service: str,
    *,
    backends: list[EchoBackend],
    port_name: str = "",
    ready: bool = True,
) -> None:
    """The Service's one hand-made EndpointSlice, created or replaced (all backends share one port)."""
    name = f"{service}-manual"
    path = f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"
    body = {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {"name": name, "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4",
        "ports": [{"name": port_name, "port": backends[0].port if backends else 1, "protocol": "TCP"}],
        "endpoints": [{"addresses": [b.host], "conditions": {"ready": ready}} for b in backends],
    }
    current = api.get(f"{path}/{name}")
    if current.status_code == 200:
        body["metadata"]["resourceVersion"] = current.json()["metadata"]["resourceVersion"]
        response = api.put(f"{path}/{name}", json=body)
    else:
        response = api.post(path, json=body)
    assert response.status_code in (200, 201), response.text


def wait_until(predicate, *, what: str, timeout: float = ROUTE_DEADLINE_SECONDS, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
        except httpx.HTTPError as error:
            last = error
        if last is True or (last and not isinstance(last, Exception)):
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last value: {last!r}")
