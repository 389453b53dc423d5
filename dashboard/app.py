"""The dashboard's ASGI app: static UI, login, the API routes, /healthz, and security headers on every answer.

/                 static/index.html          /static/...   the UI's CSS and ES modules
/login /logout    login.py                   /api/...      api_routes.py
/healthz          "ok" while the process serves
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from functools import partial
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dashboard.api_routes import Handlers
from dashboard.login import log_in, log_out
from dashboard.sessions import SessionStore
from dashboard.streaming import METRICS_INTERVAL_SECONDS
from kubemini.client.credentials import ClientConfig

STATIC_DIR = Path(__file__).parent / "static"
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers") or []) + SECURITY_HEADERS
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def index(_request: Request) -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-store"})


def build_app(target: ClientConfig, *, metrics_interval: float = METRICS_INTERVAL_SECONDS) -> Starlette:
    sessions = SessionStore()
    handlers = Handlers(sessions, target, metrics_interval=metrics_interval)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            for session in sessions.all():
                await session.client.close()

    routes = [
        Route("/", index),
        Route("/healthz", lambda _r: PlainTextResponse("ok")),
        Route("/login", partial(log_in, sessions=sessions, target=target), methods=["POST"]),
        Route("/logout", partial(log_out, sessions=sessions), methods=["POST"]),
        Route("/api/whoami", handlers.whoami),
        Route("/api/stream", handlers.stream),
        Route("/api/logs/{namespace}/{pod}", handlers.logs),
        Route("/api/yaml/{feed}/{namespace}/{name}", handlers.yaml_of),
        Route("/api/access", handlers.access, methods=["POST"]),
        Route("/api/actions", handlers.act, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(SecurityHeaders)], lifespan=lifespan)
