"""Logged-in users: a random session id (the cookie) ──► the user's token and their API client.

Tokens live only in this process's memory; the browser holds an opaque id in an
HttpOnly, SameSite=Strict cookie, so page scripts never see the token and other
sites cannot send requests with it. A session ends at logout, after
IDLE_TIMEOUT_SECONDS without a request, or when the dashboard restarts.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kubemini.client.api_client import ApiClient

COOKIE_NAME = "kubemini_dashboard_session"
IDLE_TIMEOUT_SECONDS = 8 * 3600.0
MAX_SESSIONS = 1000


@dataclass
class Session:
    id: str
    token: str
    client: ApiClient
    username: str = ""
    last_used: float = field(default_factory=time.monotonic)


class SessionStore:
    def __init__(
        self, *, clock: Callable[[], float] = time.monotonic, idle_timeout_seconds: float = IDLE_TIMEOUT_SECONDS
    ):
        self._sessions: dict[str, Session] = {}
        self._expired: list[Session] = []
        self._clock = clock
        self._idle = idle_timeout_seconds

    def create(self, token: str, client: ApiClient, *, username: str = "") -> tuple[Session, list[Session]]:
        """The new session and the ones it pushed out (expired or beyond MAX_SESSIONS), to close."""
        dropped = self.take_expired()
        while len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.last_used)
            dropped.append(self._sessions.pop(oldest.id))
        session = Session(secrets.token_urlsafe(32), token, client, username, self._clock())
        self._sessions[session.id] = session
        return session, dropped

    def get(self, session_id: str | None) -> Session | None:
        """The live session of that id (its idle clock restarted); an expired one goes to `take_expired()`."""
        session = self._sessions.get(session_id or "")
        if session is None:
            return None
        now = self._clock()
        if now - session.last_used > self._idle:
            self._expired.append(self._sessions.pop(session.id))
            return None
        session.last_used = now
        return session

    def take_expired(self) -> list[Session]:
        """Sessions dropped for idleness since the last call, whose clients the caller closes."""
        expired, self._expired = self._expired + self._expire(), []
        return expired

    def remove(self, session_id: str | None) -> Session | None:
        return self._sessions.pop(session_id or "", None)

    def all(self) -> list[Session]:
        return list(self._sessions.values())

    def _expire(self) -> list[Session]:
        now = self._clock()
        stale = [s for s in self._sessions.values() if now - s.last_used > self._idle]
        for session in stale:
            self._sessions.pop(session.id, None)
        return stale
