"""Sessions: opaque ids, idle expiry, a bounded number."""

from dashboard import sessions as sessions_module
from dashboard.sessions import SessionStore


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_sessions_are_found_by_id_and_expire_when_idle():
    clock = FakeClock()
    store = SessionStore(clock=clock, idle_timeout_seconds=10)
    session, dropped = store.create("token-a", client=None, username="alice")
    assert dropped == [] and len(session.id) >= 40 and "token-a" not in session.id
    clock.now = 9
    assert store.get(session.id) is session  # using it keeps it alive
    clock.now = 18
    assert store.get(session.id) is session
    clock.now = 29
    assert store.get(session.id) is None
    assert store.take_expired() == [session]  # its client is closed by the caller
    assert store.take_expired() == []
    assert store.get(None) is None and store.get("forged") is None


def test_the_oldest_session_is_pushed_out_beyond_the_limit(monkeypatch):
    monkeypatch.setattr(sessions_module, "MAX_SESSIONS", 2)
    clock = FakeClock()
    store = SessionStore(clock=clock)
    first, _ = store.create("a", client=None)
    clock.now = 1
    store.create("b", client=None)
    clock.now = 2
    _, dropped = store.create("c", client=None)
    assert dropped == [first]
    assert store.remove(first.id) is None
