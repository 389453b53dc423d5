"""Failure reports and events: background, bounded, never stale, shed under overload."""

from __future__ import annotations

import asyncio

from kubemini.client.events import EventRecorder
from scheduler.event_sink import EventSink
from scheduler.reporting import FailureReporter
from tests.unit.scheduler.fakes import FakeClient, settle
from tests.unit.scheduler.objects import make_pod


def reporter_with(client: FakeClient, *, waiting: set[str]) -> FailureReporter:
    events = EventSink(EventRecorder(client, component="default-scheduler"))
    return FailureReporter(client, events=events, still_waiting=lambda key: key in waiting)


async def test_the_newest_message_wins_when_reports_pile_up():
    client = FakeClient()
    reporter = reporter_with(client, waiting={"default/p"})
    pod = make_pod("p")
    reporter.report_unschedulable(pod, "0/1 nodes are available: 1 Insufficient cpu.")
    reporter.report_unschedulable(pod, "0/2 nodes are available: 2 Insufficient cpu.")
    await settle()
    assert [body["status"]["conditions"][0]["message"] for _, _, body, _, _ in client.patches] == [
        "0/2 nodes are available: 2 Insufficient cpu."
    ]
    assert reporter.events.pending() == 2


async def test_a_pod_no_longer_waiting_is_not_marked_unschedulable():
    client = FakeClient()
    reporter = reporter_with(client, waiting=set())  # e.g. retried and bound meanwhile
    reporter.report_unschedulable(make_pod("p"), "0/1 nodes are available: 1 Insufficient cpu.")
    await settle()
    assert client.patches == []


async def test_the_event_sink_sheds_events_when_full_and_writes_the_rest():
    client = FakeClient()
    dropped = []
    sink = EventSink(EventRecorder(client, component="c"), capacity=2, on_drop=lambda: dropped.append(1))
    for index in range(5):
        sink.post(make_pod(f"p{index}"), "Normal", "Scheduled", f"Successfully assigned default/p{index} to a")
    assert (sink.dropped, len(dropped), sink.pending()) == (3, 3, 2)
    writer = asyncio.create_task(sink.run())
    await sink.drain(1)
    await settle()
    writer.cancel()
    assert [event["involvedObject"]["name"] for event in client.events("Scheduled")] == ["p0", "p1"]


async def test_repeated_failures_of_one_pod_bump_one_event_even_after_its_status_changed():
    client = FakeClient()
    sink = EventSink(EventRecorder(client, component="default-scheduler"))
    pod = make_pod("p")
    pod["metadata"]["resourceVersion"] = "10"
    patched = {**pod, "metadata": {**pod["metadata"], "resourceVersion": "11"}}  # after our status PATCH
    writer = asyncio.create_task(sink.run())
    for version in (pod, patched):
        sink.post(version, "Warning", "FailedScheduling", "0/1 nodes are available: 1 Insufficient cpu.")
        await sink.drain(1)
        await settle()
    writer.cancel()
    [event] = client.events("FailedScheduling")
    assert "resourceVersion" not in event["involvedObject"]
    assert [body for _, _, body, _, _ in client.patches][0]["count"] == 2
