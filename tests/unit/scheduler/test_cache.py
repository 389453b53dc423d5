"""The cache: assumed pods count at once, are confirmed or forgotten, expire; deletes free resources."""

from __future__ import annotations

from kubemini.client.clock import FakeClock
from scheduler.cache import SchedulerCache
from scheduler.resources import pod_usage
from tests.unit.scheduler.objects import make_node, make_pod


def cache_with(*names: str, clock: FakeClock | None = None) -> SchedulerCache:
    cache = SchedulerCache(assumed_ttl_seconds=30, clock=clock or FakeClock())
    for name in names:
        cache.set_node(make_node(name))
    return cache


def test_an_assumed_pod_counts_before_its_binding_is_seen():
    cache = cache_with("a")
    assert cache.assume(pod_usage(make_pod("p", cpu="1")), "a")
    assert cache.node("a").requested_cpu == 1000
    assert cache.is_assumed("default/p") and cache.knows("default/p")
    assert not cache.assume(pod_usage(make_pod("p", cpu="1")), "a"), "assuming twice must be refused"


def test_forget_gives_the_resources_back():
    cache = cache_with("a")
    cache.assume(pod_usage(make_pod("p", cpu="1", host_port=80)), "a")
    cache.forget("default/p")
    node = cache.node("a")
    assert (node.requested_cpu, node.ports, node.pods) == (0, [], {})
    assert not cache.knows("default/p")


def test_the_watch_event_confirms_the_assumption_and_forget_then_does_nothing():
    cache = cache_with("a")
    pod = make_pod("p", cpu="1")
    cache.assume(pod_usage(pod), "a")
    cache.finish_binding("default/p")
    cache.add_bound_pod({**pod, "spec": {**pod["spec"], "nodeName": "a"}})
    assert not cache.is_assumed("default/p")
    cache.forget("default/p")
    assert cache.node("a").requested_cpu == 1000


def test_a_pod_bound_elsewhere_moves_to_its_real_node():
    cache = cache_with("a", "b")
    pod = make_pod("p", cpu="1")
    cache.assume(pod_usage(pod), "a")
    cache.add_bound_pod({**pod, "spec": {**pod["spec"], "nodeName": "b"}})
    assert (cache.node("a").requested_cpu, cache.node("b").requested_cpu) == (0, 1000)


def test_assumptions_expire_only_after_a_successful_binding_and_the_ttl():
    clock = FakeClock()
    cache = cache_with("a", clock=clock)
    cache.assume(pod_usage(make_pod("waiting", cpu="1")), "a")
    cache.assume(pod_usage(make_pod("bound", cpu="1")), "a")
    cache.finish_binding("default/bound")
    clock.advance(29)
    assert cache.expire_assumed() == []
    clock.advance(2)
    assert cache.expire_assumed() == ["default/bound"]
    assert cache.node("a").requested_cpu == 1000, "a binding still in flight never expires"


def test_deleted_and_terminal_pods_free_their_resources():
    cache = cache_with("a")
    cache.add_bound_pod(make_pod("done", cpu="1", node_name="a"))
    cache.add_bound_pod(make_pod("gone", cpu="2", node_name="a"))
    assert cache.node("a").requested_cpu == 3000
    cache.add_bound_pod(make_pod("done", cpu="1", node_name="a", phase="Succeeded"))
    assert cache.node("a").requested_cpu == 2000
    assert cache.remove_pod("default/gone")
    assert cache.node("a").requested_cpu == 0
    assert not cache.remove_pod("default/gone")


def test_a_terminal_pod_seen_first_is_never_charged():
    cache = cache_with("a")
    cache.add_bound_pod(make_pod("old", cpu="1", node_name="a", phase="Failed"))
    assert cache.node("a").requested_cpu == 0 and not cache.knows("default/old")


def test_pods_on_an_unknown_node_are_kept_but_the_node_is_not_offered():
    cache = cache_with("a")
    cache.add_bound_pod(make_pod("early", cpu="1", node_name="later"))
    assert [info.name for info in cache.nodes()] == ["a"]
    cache.set_node(make_node("later"))
    assert [info.name for info in cache.nodes()] == ["a", "later"]
    assert cache.node("later").requested_cpu == 1000


def test_a_deleted_node_keeps_charging_its_pods_until_they_go():
    cache = cache_with("a", "b")
    cache.add_bound_pod(make_pod("p", cpu="1", node_name="a"))
    cache.remove_node("a")
    cache.remove_node("b")
    assert cache.nodes() == [] and cache.node("b") is None
    assert cache.node("a").requested_cpu == 1000
    cache.remove_pod("default/p")
    assert cache.node("a") is None


def test_counts():
    cache = cache_with("a", "b")
    cache.add_bound_pod(make_pod("bound", node_name="a"))
    cache.assume(pod_usage(make_pod("assumed")), "b")
    assert cache.counts() == {"nodes": 2, "pods": 1, "assumed": 1}


def test_a_new_version_that_changed_nothing_charged_keeps_its_usage_and_a_resize_is_recharged():
    cache = cache_with("a")
    pod = make_pod("p", cpu="1", owner_uid="rs")
    assumed = pod_usage(pod)
    cache.assume(assumed, "a")
    bound = {**pod, "spec": {**pod["spec"], "nodeName": "a"}, "status": {"phase": "Running"}}
    cache.add_bound_pod(bound)
    assert cache.node("a").pods["default/p"] is assumed  # not parsed again
    resized = make_pod("p", cpu="2", owner_uid="rs", node_name="a", uid=pod["metadata"]["uid"])
    cache.add_bound_pod(resized)
    node = cache.node("a")
    assert (node.requested_cpu, node.owner_counts) == (2000, {"rs": 1})
    recreated = make_pod("p", cpu="2", owner_uid="rs", node_name="a")  # a new uid: a different pod
    cache.add_bound_pod(recreated)
    assert cache.node("a").pods["default/p"].uid == recreated["metadata"]["uid"]
