"""Round-robin, skipping, and ClientIP affinity of `RoundRobin`, on a fake clock."""

from __future__ import annotations

from collections import Counter

from kube_proxy.load_balancing import Endpoint, RoundRobin

A, B, C = Endpoint("10.0.0.1", 80), Endpoint("10.0.0.2", 80), Endpoint("10.0.0.3", 80)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_round_robin_cycles_through_every_endpoint_in_order():
    balancer = RoundRobin([A, B, C])

    picks = [balancer.next_endpoint("1.1.1.1") for _ in range(6)]

    assert picks == [A, B, C, A, B, C]


def test_no_endpoints_means_none():
    assert RoundRobin([]).next_endpoint("1.1.1.1") is None


def test_excluded_endpoints_are_skipped_and_all_excluded_is_none():
    balancer = RoundRobin([A, B, C])

    assert balancer.next_endpoint("c", exclude={A}) == B
    assert balancer.next_endpoint("c", exclude={C}) == A
    assert balancer.next_endpoint("c", exclude={A, B, C}) is None


def test_update_drops_removed_endpoints_and_restarts_rotation():
    balancer = RoundRobin([A, B, C])
    balancer.next_endpoint("c")

    changed = balancer.update([B, C], affinity_seconds=None)

    assert changed
    assert Counter(balancer.next_endpoint("c") for _ in range(4)) == {B: 2, C: 2}
    assert not balancer.update([B, C], affinity_seconds=None)


def test_client_ip_affinity_sticks_per_client():
    balancer = RoundRobin([A, B, C], affinity_seconds=60)

    first = [balancer.next_endpoint("client-1") for _ in range(5)]
    second = [balancer.next_endpoint("client-2") for _ in range(5)]

    assert first == [A] * 5
    assert second == [B] * 5


def test_affinity_expires_after_its_timeout_of_idleness():
    clock = FakeClock()
    balancer = RoundRobin([A, B], affinity_seconds=10, clock=clock)
    assert balancer.next_endpoint("c") == A
    clock.now = 9.0
    assert balancer.next_endpoint("c") == A  # used again: the timeout restarts from here
    clock.now = 18.0
    assert balancer.next_endpoint("c") == A

    clock.now = 28.5

    assert balancer.next_endpoint("c") == B


def test_affinity_moves_when_the_sticky_endpoint_is_excluded_or_removed():
    balancer = RoundRobin([A, B, C], affinity_seconds=60)
    assert balancer.next_endpoint("c") == A

    assert balancer.next_endpoint("c", exclude={A}) == B
    assert balancer.next_endpoint("c") == B  # the new choice is now the sticky one
    balancer.update([A, C], affinity_seconds=60)
    assert balancer.next_endpoint("c") in (A, C)


def test_reset_affinity_forgets_the_client():
    balancer = RoundRobin([A, B], affinity_seconds=60)
    assert balancer.next_endpoint("c") == A

    balancer.reset_affinity("c")

    assert balancer.next_endpoint("c") == B


def test_turning_affinity_off_forgets_every_client():
    balancer = RoundRobin([A, B], affinity_seconds=60)
    balancer.next_endpoint("c")

    balancer.update([A, B], affinity_seconds=None)

    assert {balancer.next_endpoint("c") for _ in range(2)} == {A, B}
