"""CrashLoopBackOff timing: first restart at once, then 10 s doubling to 300 s, reset after 10 quiet minutes."""

from __future__ import annotations

from kubelet.crash_backoff import RestartBackoff, go_duration
from kubemini.client.clock import FakeClock


def crash_and_restart(backoff: RestartBackoff, clock: FakeClock, key: str) -> float:
    """A container exits now; how long until the kubelet may restart it (then it restarts)."""
    finished = clock.now()
    wait = backoff.remaining(key, since=finished)
    clock.advance(wait)
    backoff.next(key, at=finished)
    return wait


def test_delays_double_from_ten_seconds_to_five_minutes():
    clock = FakeClock()
    backoff = RestartBackoff(clock=clock)
    waits = [crash_and_restart(backoff, clock, "pod/app") for _ in range(8)]
    assert waits == [0, 10, 20, 40, 80, 160, 300, 300]


def test_remaining_counts_from_the_exit_not_from_now():
    clock = FakeClock()
    backoff = RestartBackoff(clock=clock)
    crash_and_restart(backoff, clock, "k")  # first restart: immediate, next delay 10 s
    exited = clock.now()
    clock.advance(4)
    assert backoff.remaining("k", since=exited) == 6
    clock.advance(6)
    assert backoff.remaining("k", since=exited) == 0


def test_ten_quiet_minutes_reset_the_delay():
    clock = FakeClock()
    backoff = RestartBackoff(clock=clock)
    for _ in range(4):
        crash_and_restart(backoff, clock, "k")
    assert backoff.delay("k") == 80
    clock.advance(601)  # the container ran more than 2 × 300 s
    assert crash_and_restart(backoff, clock, "k") == 0
    assert backoff.delay("k") == 10


def test_keys_are_independent_and_forgettable():
    clock = FakeClock()
    backoff = RestartBackoff(clock=clock, initial_seconds=1, max_seconds=4)
    for _ in range(5):
        crash_and_restart(backoff, clock, "uid1/a")
    assert backoff.delay("uid1/a") == 4 and backoff.delay("uid2/a") == 0
    backoff.forget_prefix("uid1/")
    assert backoff.delay("uid1/a") == 0


def test_go_duration_formats_like_kubernetes():
    assert [go_duration(s) for s in (10, 40, 80, 300)] == ["10s", "40s", "1m20s", "5m0s"]
