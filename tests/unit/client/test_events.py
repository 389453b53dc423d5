"""EventRecorder: Event shape, dedup by PATCHing count, spam limit, LRU, never raising."""

from __future__ import annotations

from kubemini.client.clock import FakeClock
from kubemini.client.events import WARNING, EventRecorder

POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "web", "namespace": "shop", "uid": "uid-1", "resourceVersion": "42"},
}
NODE = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n1", "uid": "uid-n"}}


def events(fake_apiserver) -> list[dict]:
    return [obj for (plural, _, _), obj in fake_apiserver.objects.items() if plural == "events"]


async def test_event_has_the_kubernetes_shape(fake_apiserver, api):
    recorder = EventRecorder(api, component="kubelet", host="node-1")
    await recorder.record(POD, "Normal", "Started", "Started container app")
    await recorder.record(NODE, WARNING, "NodeNotReady", "kubelet stopped posting status")
    pod_event, node_event = sorted(events(fake_apiserver), key=lambda e: e["involvedObject"]["kind"])[::-1]
    assert pod_event["metadata"]["namespace"] == "shop"
    assert pod_event["metadata"]["name"].startswith("web.")
    assert pod_event["involvedObject"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "namespace": "shop",
        "name": "web",
        "uid": "uid-1",
        "resourceVersion": "42",
    }
    assert pod_event["source"] == {"component": "kubelet", "host": "node-1"}
    assert pod_event["reportingComponent"] == "kubelet"
    assert (pod_event["type"], pod_event["reason"], pod_event["count"]) == ("Normal", "Started", 1)
    assert pod_event["firstTimestamp"] == pod_event["lastTimestamp"]
    assert node_event["metadata"]["namespace"] == "default", "cluster-scoped objects log to default"


async def test_repeats_patch_the_count_instead_of_creating(fake_apiserver, api):
    recorder = EventRecorder(api, component="kubelet")
    for _ in range(5):
        await recorder.record(POD, WARNING, "BackOff", "Back-off restarting failed container")
    await recorder.record(POD, WARNING, "BackOff", "a different message")
    stored = sorted(events(fake_apiserver), key=lambda e: e["count"])
    assert [e["count"] for e in stored] == [1, 5]
    assert fake_apiserver.count("POST", "events") == 2
    assert fake_apiserver.count("PATCH", "events") == 4


async def test_a_crash_loop_is_limited_and_the_count_catches_up(fake_apiserver, api):
    clock = FakeClock()
    recorder = EventRecorder(api, component="kubelet", clock=clock, spam_burst=3, spam_qps=1 / 300)
    for _ in range(1000):
        await recorder.record(POD, WARNING, "BackOff", "Back-off restarting failed container")
    assert recorder.writes == 3
    assert len(events(fake_apiserver)) == 1
    clock.advance(300)  # one token earned back
    await recorder.record(POD, WARNING, "BackOff", "Back-off restarting failed container")
    assert events(fake_apiserver)[0]["count"] == 1001


async def test_dedup_window_and_lru_eviction_start_new_events(fake_apiserver, api):
    clock = FakeClock()
    recorder = EventRecorder(api, component="c", clock=clock, dedup_window_seconds=60, cache_size=2)
    await recorder.record(POD, "Normal", "A", "m")
    clock.advance(61)
    await recorder.record(POD, "Normal", "A", "m")
    assert fake_apiserver.count("POST", "events") == 2, "outside the window: a new Event"
    await recorder.record(POD, "Normal", "B", "m")
    await recorder.record(POD, "Normal", "C", "m")  # evicts A (least recently used)
    await recorder.record(POD, "Normal", "A", "m")
    assert fake_apiserver.count("POST", "events") == 5
    assert fake_apiserver.count("PATCH", "events") == 0


async def test_an_event_deleted_meanwhile_is_recreated_with_its_count(fake_apiserver, api):
    recorder = EventRecorder(api, component="c")
    await recorder.record(POD, "Normal", "A", "m")
    (name,) = [key[2] for key in fake_apiserver.objects if key[0] == "events"]
    del fake_apiserver.objects[("events", "shop", name)]
    await recorder.record(POD, "Normal", "A", "m")
    assert [e["count"] for e in events(fake_apiserver)] == [2]


async def test_failures_never_reach_the_caller(fake_apiserver, api):
    recorder = EventRecorder(api, component="c")
    fake_apiserver.down = True
    await recorder.record(POD, "Normal", "A", "m")  # must not raise
    await recorder.record({"kind": "Weird"}, "Normal", "A", "m")
    fake_apiserver.down = False
    await recorder.record(POD, "Normal", "A", "m")
    assert [e["count"] for e in events(fake_apiserver)] == [1]
