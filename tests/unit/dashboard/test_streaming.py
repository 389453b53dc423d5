"""Feeds: list-then-watch, resume from a version without relisting, relist on 410, stop on 403."""

import asyncio

import pytest

from dashboard import streaming
from dashboard.api_routes import _sse_body
from dashboard.feeds import FEEDS, UnknownFeed, parse_feeds
from dashboard.streaming import Message, Scope, follow_feed
from kubemini.client.errors import connection_failed, error_from_status
from kubemini.client.watching import WatchEvent


def pod(name, version):
    return {
        "metadata": {"name": name, "namespace": "ns", "resourceVersion": version},
        "spec": {"containers": [{"name": "a"}]},
        "status": {"phase": "Pending"},
    }


def status(code, reason):
    return {"kind": "Status", "code": code, "reason": reason, "message": f"{reason}!"}


class ScriptedClient:
    """Answers list_all and watch from scripts; records every call."""

    def __init__(self, lists, watches):
        self.lists, self.watches, self.calls = list(lists), list(watches), []

    async def list_all(self, rt, **selectors):
        self.calls.append(("list", selectors))
        answer = self.lists.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def watch(self, rt, *, resource_version, timeout_seconds, **selectors):
        self.calls.append(("watch", resource_version, selectors))
        for step in self.watches.pop(0) if self.watches else [asyncio.Event()]:
            if isinstance(step, asyncio.Event):
                await step.wait()  # a watch that stays open
            elif isinstance(step, Exception):
                raise step
            else:
                yield step


async def run_feed(client, *, since=None, want, feed="pods", scope=Scope(namespace="ns")):
    out: asyncio.Queue[Message] = asyncio.Queue()
    task = asyncio.create_task(follow_feed(client, FEEDS[feed], scope, since=since, out=out))
    got = [await asyncio.wait_for(out.get(), 5) for _ in range(want)]
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return got


@pytest.fixture(autouse=True)
def no_retry_delay(monkeypatch):
    monkeypatch.setattr(streaming, "RETRY_DELAYS_SECONDS", (0.0,))


async def test_list_then_watch_then_relist_on_410_then_rewatch_after_a_cut():
    client = ScriptedClient(
        lists=[
            {"metadata": {"resourceVersion": "10"}, "items": [pod("a", "9")]},
            {"metadata": {"resourceVersion": "20"}, "items": [pod("a", "9"), pod("b", "19")]},
        ],
        watches=[
            [WatchEvent("ADDED", pod("b", "11")), error_from_status(status(410, "Expired"))],
            [
                WatchEvent("BOOKMARK", {"metadata": {"resourceVersion": "25"}}),
                connection_failed("http://api", OSError("cut")),
            ],
            [WatchEvent("DELETED", pod("a", "26"))],
        ],
    )
    got = await run_feed(client, want=5)
    assert [(m.type, m.version) for m in got] == [
        ("reset", "10"),
        ("change", "11"),
        ("reset", "20"),
        ("bookmark", "25"),
        ("change", "26"),
    ]
    assert [row["key"] for row in got[2].payload["rows"]] == ["ns/a", "ns/b"]
    assert got[4].payload["event"] == "DELETED" and got[4].payload["row"]["key"] == "ns/a"
    assert [call[:2] for call in client.calls] == [
        ("list", {"namespace": "ns", "label_selector": None, "field_selector": None}),
        ("watch", "10"),
        ("list", {"namespace": "ns", "label_selector": None, "field_selector": None}),
        ("watch", "20"),
        ("watch", "25"),
        ("watch", "26"),
    ]


async def test_a_reconnect_with_a_version_watches_from_it_without_listing():
    client = ScriptedClient(lists=[], watches=[[WatchEvent("MODIFIED", pod("a", "16"))]])
    got = await run_feed(client, since="15", want=1)
    assert (got[0].type, got[0].version) == ("change", "16")
    assert client.calls[0][:2] == ("watch", "15")


async def test_a_denied_feed_says_so_and_stops():
    client = ScriptedClient(lists=[error_from_status(status(403, "Forbidden"))], watches=[])
    got = await run_feed(client, want=1)
    assert (got[0].type, got[0].payload["code"], got[0].payload["message"]) == ("denied", 403, "Forbidden!")
    assert len(client.calls) == 1


async def test_selectors_go_to_the_api():
    client = ScriptedClient(lists=[{"metadata": {"resourceVersion": "1"}, "items": []}], watches=[])
    await run_feed(client, want=1, scope=Scope(namespace="ns", label_selector="app=web", name="web-1"))
    assert client.calls[0][1] == {
        "namespace": "ns",
        "label_selector": "app=web",
        "field_selector": "metadata.name=web-1",
    }
    client = ScriptedClient(lists=[{"metadata": {"resourceVersion": "1"}, "items": []}], watches=[])
    await run_feed(client, want=1, feed="nodes", scope=Scope(namespace="ns", label_selector="app=web"))
    assert client.calls[0][1] == {"namespace": None, "label_selector": None, "field_selector": None}
    client = ScriptedClient(lists=[{"metadata": {"resourceVersion": "1"}, "items": []}], watches=[])
    await run_feed(client, want=1, feed="events", scope=Scope(namespace="ns", name="web-1"))
    assert client.calls[0][1]["field_selector"] == "involvedObject.name=web-1"


def test_feeds_are_parsed_from_a_closed_list():
    assert [f.name for f in parse_feeds("pods, nodes,pods")] == ["pods", "nodes"]
    for bad in ("", "secrets", "pods,configmaps", ",".join(["pods"] * 3 + list(FEEDS))):
        with pytest.raises(UnknownFeed):
            parse_feeds(bad)


async def test_every_sse_frame_carries_all_feeds_versions_so_far():
    async def messages():
        yield Message("pods", "reset", {"rows": []}, "10")
        yield Message("nodes", "reset", {"rows": []}, "7")
        yield Message("node-metrics", "reset", {"rows": []})
        yield Message("pods", "change", {"event": "ADDED", "row": {"key": "ns/a"}}, "12")

    frames = [frame.decode() async for frame in _sse_body(messages(), {"events": "3"})]
    ids = [line for frame in frames for line in frame.splitlines() if line.startswith("id: ")]
    assert frames[0].startswith("retry: ")
    assert ids == [
        "id: events=3;pods=10",
        "id: events=3;nodes=7;pods=10",
        "id: events=3;nodes=7;pods=10",
        "id: events=3;nodes=7;pods=12",
    ]


async def test_a_selector_the_api_refuses_ends_the_feed_with_its_message():
    client = ScriptedClient(lists=[error_from_status(status(400, "BadRequest"))], watches=[])
    got = await run_feed(client, want=1, scope=Scope(namespace="ns", label_selector="app in"))
    assert (got[0].type, got[0].payload["message"]) == ("invalid", "BadRequest!")
    assert len(client.calls) == 1
