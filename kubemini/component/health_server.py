"""A tiny HTTP endpoint for /healthz, /readyz and /metrics (Prometheus text).

Plain asyncio streams: a component's health must not depend on a web
framework, and this answers even while the component's loops are busy.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from prometheus_client import CollectorRegistry, generate_latest

log = logging.getLogger(__name__)
READ_TIMEOUT_SECONDS = 5.0
Check = Callable[[], bool]


class HealthServer:
    def __init__(self, *, host: str, port: int, registry: CollectorRegistry, checks: dict[str, Check] | None = None):
        self.host = host
        self.port = port
        self.registry = registry
        self.checks = checks or {}
        self.routes: dict[str, Callable[[], tuple[int, bytes, str]]] = {}
        self._server: asyncio.AbstractServer | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        log.info("health endpoint on http://%s:%d/healthz", self.host, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def _answer(self, path: str) -> tuple[int, bytes, str]:
        if path in ("/healthz", "/livez", "/readyz"):
            failed = [name for name, check in self.checks.items() if not _safe(check)]
            if failed:
                return 503, f"unhealthy: {', '.join(failed)}\n".encode(), "text/plain"
            return 200, b"ok", "text/plain"
        if path == "/metrics":
            return 200, generate_latest(self.registry), "text/plain; version=0.0.4"
        if path in self.routes:
            return self.routes[path]()
        return 404, b"not found\n", "text/plain"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)
            while (await asyncio.wait_for(reader.readline(), READ_TIMEOUT_SECONDS)).strip():
                pass  # headers are not needed
            parts = request_line.decode(errors="replace").split()
            path = parts[1].split("?", 1)[0] if len(parts) >= 2 else "/"
            code, body, content_type = self._answer(path)
            reason = {200: "OK", 404: "Not Found", 503: "Service Unavailable"}.get(code, "OK")
            head = (
                f"HTTP/1.1 {code} {reason}\r\nContent-Type: {content_type}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + body)
            await writer.drain()
        except (TimeoutError, ConnectionError):
            pass
        finally:
            writer.close()


def _safe(check: Check) -> bool:
    try:
        return bool(check())
    except Exception:  # noqa: BLE001 - a failing check means unhealthy, not a crashed endpoint
        log.exception("health check failed")
        return False
