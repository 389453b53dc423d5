"""Auditing every request (`--audit-policy-file` + `--audit-log-path`): an ASGI layer around the server.

    request ─► AuditedApp ─► the server (authentication, authorization, handlers)
      first body read or response start: who (the authenticated user; the impersonated one),
        what (request_attributes) → policy rule → level (capped at Metadata for Secrets & co.)
        → RequestReceived event
      response start of a watch or an exec/attach/port-forward stream → ResponseStarted
      response end → ResponseComplete with the code and the bodies the level asks for;
        an exception → Panic (code 500)
    events → AuditLogWriter (a thread; the event loop never waits on the disk)

Without both flags `create_app` does not wrap the server at all: requests pay nothing. The
response carries `Audit-Id`; a request's own `Audit-ID` header is used as its audit ID.
"""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from apiserver.access import IMPERSONATOR_KEY, USER_KEY
from apiserver.audit.events import (
    ANNOTATIONS_KEY,
    DECISION_ANNOTATION,
    REASON_ANNOTATION,
    RequestFacts,
    effective_level,
    make_event,
)
from apiserver.audit.policy import AuditPolicyError, Policy, PolicyRule, level_at_least, load_policy
from apiserver.audit.writer import BYTES_PER_MB, AuditLogWriter
from apiserver.authentication.user import APISERVER_USER, UserInfo
from apiserver.authorization.request_attributes import request_attributes
from kubemini import json_codec

UNKNOWN_USER = UserInfo("")
MAX_CAPTURED_BYTES = 8 * 1024 * 1024
BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
LONG_RUNNING_SUBRESOURCES = frozenset({"exec", "attach", "portforward", "proxy", "log"})


def users_of(scope: dict, code: int | None = None) -> tuple[UserInfo, UserInfo | None]:
    """(the authenticated user, the impersonated user or None); the policy matches the first.

    A request refused with 401 has no user: its event has an empty one, as upstream's."""
    user = scope.get(USER_KEY) or (UNKNOWN_USER if code == 401 else APISERVER_USER)
    impersonator = scope.get(IMPERSONATOR_KEY)
    return (impersonator, user) if impersonator is not None else (user, None)


def source_ips(scope: dict, headers: dict[bytes, bytes]) -> list[str]:
    ips = [ip.strip() for ip in headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",") if ip.strip()]
    real = headers.get(b"x-real-ip", b"").decode("latin-1").strip()
    if real and real not in ips:
        ips.append(real)
    client = scope.get("client")
    if client and client[0] not in ips:
        ips.append(client[0])
    return ips


def parse_body(data: bytes, content_type: str) -> object:
    """The body as an object for the log; None for protobuf or anything unreadable."""
    if not data or "protobuf" in content_type:
        return None
    try:
        if "yaml" in content_type:
            return yaml.safe_load(data)
        return json_codec.loads(data)
    except (ValueError, yaml.YAMLError, UnicodeDecodeError):
        return None


@dataclass
class _Request:
    """What one request's audit learns as it goes."""

    scope: dict
    received: float
    audit_id: str = ""
    headers: dict[bytes, bytes] = field(default_factory=dict)
    decided: bool = False
    facts: RequestFacts | None = None
    rule: PolicyRule | None = None
    level: str = "None"
    code: int | None = None
    response_type: str = ""
    request_chunks: list[bytes] = field(default_factory=list)
    response_chunks: list[bytes] = field(default_factory=list)
    captured: int = 0

    @property
    def long_running(self) -> bool:
        attrs = self.facts.attrs if self.facts else None
        return attrs is not None and (attrs.verb == "watch" or attrs.subresource in LONG_RUNNING_SUBRESOURCES)

    def capture(self, chunks: list[bytes], data: bytes) -> None:
        self.captured += len(data)
        if self.captured <= MAX_CAPTURED_BYTES:
            chunks.append(data)


class AuditedApp:
    """The server wrapped in auditing; `.app` and `.state` are the wrapped server's (serving.py finds them)."""

    def __init__(self, app, *, policy: Policy, writer: AuditLogWriter):
        self.app = app
        self.state = app.state
        self._policy = policy
        self._writer = writer

    def close(self) -> None:
        self._writer.close()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request = _Request(scope, time.time())

        async def audited_receive():
            message = await receive()
            self._decide(request)
            if message["type"] == "http.request" and request.level != "None" and scope.get("method") in BODY_METHODS:
                request.capture(request.request_chunks, message.get("body", b""))
            return message

        async def audited_send(message):
            kind = message["type"]
            if kind in ("http.response.start", "websocket.http.response.start", "websocket.accept"):
                request.code = message.get("status", 101)
                self._decide(request)
                request.response_type = _content_type(message.get("headers") or [])
                if kind != "websocket.accept" and request.audit_id:
                    audit_header = (b"audit-id", request.audit_id.encode())
                    message = {**message, "headers": [*(message.get("headers") or []), audit_header]}
                if request.long_running:
                    self._emit(request, "ResponseStarted")
            elif kind in ("http.response.body", "websocket.http.response.body") and self._keeps_response(request):
                request.capture(request.response_chunks, message.get("body", b""))
            elif kind == "websocket.close" and request.code is None:
                self._decide(request)
                request.code = 403
            await send(message)

        try:
            await self.app(scope, audited_receive, audited_send)
        except Exception:
            self._decide(request)
            request.code = 500
            self._emit(request, "Panic")
            raise
        self._decide(request)
        self._emit(request, "ResponseComplete")

    def _decide(self, request: _Request) -> None:
        """Once per request, as late as the user is known: the rule and level, then (if logged) the facts."""
        if request.decided:
            return
        request.decided = True
        scope = request.scope
        user, impersonated = users_of(scope, request.code)
        attrs = request_attributes(scope, user)
        request.rule = self._policy.rule_for(attrs)
        request.level = effective_level(request.rule.level, attrs) if request.rule else "None"
        # Every answer carries its Audit-Id (the client's own, when it sent one), logged or not.
        audit_id = next((value for name, value in scope.get("headers") or () if name == b"audit-id"), b"")
        # An ID, not a secret: a random version-4 UUID without a system call per request.
        request.audit_id = audit_id.decode("latin-1") or str(uuid.UUID(int=random.getrandbits(128), version=4))
        if request.level == "None":
            return  # not logged: no facts, no events
        request.headers = headers = dict(scope.get("headers") or [])
        query = scope.get("query_string", b"").decode("latin-1")
        request.facts = RequestFacts(
            audit_id=request.audit_id,
            request_uri=scope["path"] + (f"?{query}" if query else ""),
            user=user,
            impersonated=impersonated,
            source_ips=source_ips(scope, headers),
            user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
            attrs=attrs,
            received=request.received,
        )
        self._emit(request, "RequestReceived")

    def _keeps_response(self, request: _Request) -> bool:
        if request.level == "None" or request.long_running:
            return False
        return level_at_least(request.level, "RequestResponse") or (request.code or 0) >= 400

    def _emit(self, request: _Request, stage: str) -> None:
        rule = request.rule
        if rule is None or request.level == "None" or stage in rule.omit_stages:
            return
        final = stage in ("ResponseComplete", "Panic")
        request_type = request.headers.get(b"content-type", b"").decode("latin-1")
        annotations = dict(request.scope.get(ANNOTATIONS_KEY) or {})
        if final and DECISION_ANNOTATION not in annotations and request.code is not None:
            annotations[DECISION_ANNOTATION] = "forbid" if request.code == 403 else "allow"
            annotations.setdefault(REASON_ANNOTATION, "")
        event = make_event(
            request.facts,
            level=request.level,
            stage=stage,
            now=time.time(),
            code=request.code if stage != "RequestReceived" else None,
            request_obj=parse_body(b"".join(request.request_chunks), request_type) if final else None,
            response_obj=parse_body(b"".join(request.response_chunks), request.response_type) if final else None,
            annotations=annotations if stage != "RequestReceived" else None,
            omit_managed_fields=rule.omit_managed_fields,
        )
        self._writer.write(event)


def _content_type(headers) -> str:
    for name, value in headers:
        if name.lower() == b"content-type":
            return value.decode("latin-1")
    return ""


class AuditSetup:
    """What the apiserver's audit flags ask for; `wrap` puts auditing around the server."""

    def __init__(self, policy: Policy, log_path: str, *, max_size_mb: int, max_backups: int):
        self.policy = policy
        self.writer = AuditLogWriter(log_path, max_bytes=max_size_mb * BYTES_PER_MB, max_backups=max_backups)

    @classmethod
    def from_flags(
        cls, policy_file: str | None, log_path: str | None, *, max_size_mb: int = 0, max_backups: int = 0
    ) -> AuditSetup | None:
        """None when auditing is off (no policy, or no log path: kube-apiserver then logs nothing either)."""
        if not policy_file:
            return None
        try:
            policy = load_policy(Path(policy_file))
        except AuditPolicyError as exc:
            raise AuditPolicyError(f"--audit-policy-file {policy_file}: {exc}") from None
        if not log_path:
            return None
        return cls(policy, log_path, max_size_mb=max_size_mb, max_backups=max_backups)

    def wrap(self, app) -> AuditedApp:
        self.writer.start()
        return AuditedApp(app, policy=self.policy, writer=self.writer)
