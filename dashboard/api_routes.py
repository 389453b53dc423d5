"""The routes behind the pages, all with the session's identity (no session: 401, the UI shows the login).

GET  /api/whoami                                   {"username"}
GET  /api/stream?feeds=a,b&namespace=&labelSelector=&name=&metrics=1     SSE (streaming.py)
GET  /api/logs/{namespace}/{pod}?container=         SSE, one event per log line (logs.py)
GET  /api/yaml/{feed}/{namespace}/{name}            the object as YAML (managedFields left out)
POST /api/access {"namespace"}                      {"scale": true, ...} from SelfSubjectAccessReviews
POST /api/actions {"action", ...}                   the API's answer; 403 ──► {"error": "not allowed"}
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse

from dashboard import sse
from dashboard.actions import ACCESS_CHECKS, SSAR_PATH, InvalidAction, access_review, build_request
from dashboard.feeds import FEEDS, UnknownFeed, parse_feeds
from dashboard.login import csrf_problem, current_session, problem
from dashboard.logs import LogMessage, follow_log, parse_log_time
from dashboard.resume import decode_positions, encode_positions
from dashboard.sessions import Session, SessionStore
from dashboard.streaming import Message, Scope, merged_messages
from dashboard.upstream import user_http
from kubemini.client.credentials import ClientConfig
from kubemini.client.errors import ApiError, Forbidden, NotFound, Unauthorized

HEARTBEAT_SECONDS = 15.0
SSE_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


class Handlers:
    def __init__(self, sessions: SessionStore, target: ClientConfig, *, metrics_interval: float):
        self.sessions = sessions
        self.target = target
        self.metrics_interval = metrics_interval

    def _session(self, request: Request) -> Session | None:
        return current_session(request, self.sessions)

    async def whoami(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        return JSONResponse({"username": session.username})

    async def stream(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        try:
            feeds = parse_feeds(request.query_params.get("feeds", ""))
        except UnknownFeed as error:
            return problem(400, str(error))
        query = request.query_params
        scope = Scope(query.get("namespace") or None, query.get("labelSelector") or None, query.get("name") or None)
        names = tuple(feed.name for feed in feeds)
        positions = decode_positions(request.headers.get("last-event-id"), feeds=names)
        messages = merged_messages(
            session.client,
            feeds,
            scope,
            positions=positions,
            with_metrics=query.get("metrics") == "1",
            metrics_interval=self.metrics_interval,
        )
        return StreamingResponse(_sse_body(messages, positions), media_type="text/event-stream", headers=SSE_HEADERS)

    async def logs(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        namespace, pod = request.path_params["namespace"], request.path_params["pod"]
        since = parse_log_time(request.headers.get("last-event-id") or "")
        body = _log_body(self.target, session.token, namespace, pod, request.query_params.get("container"), since)
        return StreamingResponse(body, media_type="text/event-stream", headers=SSE_HEADERS)

    async def yaml_of(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        feed = FEEDS.get(request.path_params["feed"])
        if feed is None:
            return problem(404, "no such kind")
        rt = feed.resource
        namespace = request.path_params["namespace"] if rt.namespaced else None
        try:
            obj = await session.client.get(rt, request.path_params["name"], namespace=namespace)
        except (Unauthorized, Forbidden) as error:
            return problem(403, f"not allowed: {error.message}")
        except ApiError as error:
            return problem(error.code or 502, error.message)
        (obj.get("metadata") or {}).pop("managedFields", None)
        return PlainTextResponse(yaml.safe_dump(obj, sort_keys=False, default_flow_style=False))

    async def access(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        refused = csrf_problem(request)
        if refused is not None:
            return refused
        try:
            namespace = str(((await request.json()) or {}).get("namespace") or "") or None
        except (ValueError, AttributeError):
            return problem(400, 'the body must be JSON: {"namespace": "..."}')
        answers = await asyncio.gather(*(self._allowed(session, action, namespace) for action in ACCESS_CHECKS))
        return JSONResponse(dict(zip(ACCESS_CHECKS, answers, strict=True)))

    async def _allowed(self, session: Session, action: str, namespace: str | None) -> bool:
        try:
            review = await session.client.request("POST", SSAR_PATH, body=access_review(action, namespace=namespace))
        except NotFound:
            return True  # an API without authorization: the request itself will be the judge
        except ApiError:
            return False
        return bool(((review or {}).get("status") or {}).get("allowed"))

    async def act(self, request: Request) -> Response:
        session = self._session(request)
        if session is None:
            return problem(401, "not logged in")
        refused = csrf_problem(request)
        if refused is not None:
            return refused
        try:
            call = build_request(await request.json(), now=datetime.now(UTC))
        except (InvalidAction, ValueError, AttributeError) as error:
            return problem(400, str(error))
        try:
            answer = await session.client.request(
                call.method, call.path, body=call.body, content_type=call.content_type
            )
        except (Unauthorized, Forbidden) as error:
            return problem(403, f"not allowed: {error.message}")
        except NotFound as error:
            return problem(404, error.message)
        except ApiError as error:
            return problem(error.code if 400 <= (error.code or 0) < 600 else 502, error.message)
        return JSONResponse({"ok": True, "kind": (answer or {}).get("kind")})


async def _sse_body(messages: AsyncIterator[Message], positions: dict[str, str]) -> AsyncIterator[bytes]:
    """Messages ──► SSE frames; every frame's id is all feeds' versions so far; a comment when idle."""
    yield sse.format_retry()
    iterator = messages.__aiter__()
    pending: asyncio.Task | None = None
    try:
        while True:
            pending = pending or asyncio.ensure_future(iterator.__anext__())
            done, _ = await asyncio.wait({pending}, timeout=HEARTBEAT_SECONDS)
            if not done:
                yield sse.format_comment("heartbeat")
                continue
            finished, pending = pending, None
            try:
                message: Message = finished.result()
            except StopAsyncIteration:
                return
            if message.version:
                positions[message.feed] = message.version
            data = {"feed": message.feed, "type": message.type, **message.payload}
            yield sse.format_event(data, event_id=encode_positions(positions))
    finally:
        if pending is not None:
            pending.cancel()
        await iterator.aclose()


async def _log_body(target: ClientConfig, token: str, namespace: str, pod: str, container: str | None, since):
    yield sse.format_retry()
    async with user_http(target, token) as http:
        messages = follow_log(http, namespace, pod, container=container, since=since, clock=time.time)
        try:
            async for message in messages:
                yield _log_frame(message)
                if message.type in ("denied", "gone"):
                    return
        finally:
            await messages.aclose()


def _log_frame(message: LogMessage) -> bytes:
    return sse.format_event(
        {"type": message.type, "text": message.text, "time": message.stamp}, event_id=message.stamp or None
    )
