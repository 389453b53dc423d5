"""Informer against the scripted fake apiserver: list, watch, 410, broken streams, diffs."""

from __future__ import annotations

import asyncio
import contextlib

from kubemini.api.registry import by_kind
from kubemini.client.informer import Informer
from kubemini.client.store import INDEX_LABEL, INDEX_NODE_NAME, INDEX_OWNER_UID, object_key

POD = by_kind("Pod")


def pod(name: str, *, node: str = "", labels: dict | None = None, owner_uid: str = "") -> dict:
    meta: dict = {"name": name, "namespace": "default", "labels": labels or {}}
    if owner_uid:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": "rs", "uid": owner_uid, "controller": True}]
    return {"metadata": meta, "spec": {"nodeName": node} if node else {}}


class Recorder:
    """Handler calls as (verb, key, ...), in delivery order."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add(self, obj: dict) -> None:
        self.calls.append(("add", object_key(obj)))

    async def update(self, old: dict, new: dict) -> None:  # async on purpose: both kinds must work
        self.calls.append(("update", object_key(new), old["metadata"]["resourceVersion"]))

    def delete(self, obj: dict) -> None:
        self.calls.append(("delete", object_key(obj)))

    def attach(self, informer: Informer) -> None:
        informer.add_event_handler(on_add=self.add, on_update=self.update, on_delete=self.delete)


@contextlib.asynccontextmanager
async def running(informer: Informer):
    informer.start()
    try:
        assert await informer.wait_for_sync(timeout=5), "informer never synced"
        yield informer
    finally:
        await informer.stop()


def store_matches_server(informer: Informer, fake_apiserver) -> bool:
    cached = {object_key(o): o["metadata"]["resourceVersion"] for o in informer.list()}
    served = {object_key(o): o["metadata"]["resourceVersion"] for o in fake_apiserver.items(POD)}
    return cached == served


async def test_list_then_watch_delivers_adds_updates_deletes(fake_apiserver, api, wait_until):
    for name in ("a", "b"):
        fake_apiserver.put(POD, pod(name))
    informer = Informer(api, POD)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        assert sorted(recorder.calls) == [("add", "default/a"), ("add", "default/b")]
        old_rv = informer.get("default/a")["metadata"]["resourceVersion"]
        fake_apiserver.put(POD, {**fake_apiserver.objects[("pods", "default", "a")], "spec": {"x": 1}})
        fake_apiserver.remove(POD, "b", "default")
        fake_apiserver.put(POD, pod("c"))
        await wait_until(lambda: len(recorder.calls) == 5, what="3 watch events", describe=lambda: recorder.calls)
        assert recorder.calls[2:] == [("update", "default/a", old_rv), ("delete", "default/b"), ("add", "default/c")]
        assert store_matches_server(informer, fake_apiserver)
        assert informer.list_count == 1


async def test_410_mid_stream_relists_and_delivers_only_the_diff(fake_apiserver, api, wait_until):
    for name in ("a", "b", "c", "d"):
        fake_apiserver.put(POD, pod(name))
    informer = Informer(api, POD)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        await wait_until(lambda: fake_apiserver.open_watches == 1, what="the watch to open")
        recorder.calls.clear()
        c_rv = informer.get("default/c")["metadata"]["resourceVersion"]
        # Changes the informer's stream never carries: it is told 410 instead.
        fake_apiserver.hold = True
        fake_apiserver.remove(POD, "b", "default")
        fake_apiserver.put(POD, {**fake_apiserver.objects[("pods", "default", "c")], "spec": {"v": 2}})
        fake_apiserver.put(POD, pod("e"))
        fake_apiserver.compact()
        fake_apiserver.expire_watches()
        fake_apiserver.hold = False
        await wait_until(lambda: informer.list_count == 2, what="a relist after the 410")
        await wait_until(lambda: len(recorder.calls) >= 3, what="diff events", describe=lambda: recorder.calls)
        assert sorted(recorder.calls) == sorted(
            [("delete", "default/b"), ("update", "default/c", c_rv), ("add", "default/e")]
        ), "only the difference may be delivered: no adds for a or d"
        assert store_matches_server(informer, fake_apiserver)
        # The informer watches again from the relist's resourceVersion and keeps working.
        fake_apiserver.remove(POD, "a", "default")
        await wait_until(lambda: recorder.calls[-1] == ("delete", "default/a"), what="delete after relist")
        assert len(recorder.calls) == 4


async def test_apiserver_restart_with_compaction_answers_http_410_then_relists(fake_apiserver, api, wait_until):
    fake_apiserver.gone_as_http_status = True
    for name in ("a", "b", "c"):
        fake_apiserver.put(POD, pod(name))
    informer = Informer(api, POD)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        await wait_until(lambda: fake_apiserver.open_watches == 1, what="the watch to open")
        recorder.calls.clear()
        fake_apiserver.down = True
        fake_apiserver.break_watches()
        fake_apiserver.remove(POD, "a", "default")
        fake_apiserver.put(POD, pod("d"))
        fake_apiserver.compact()
        await wait_until(lambda: fake_apiserver.open_watches == 0, what="the stream to break")
        fake_apiserver.down = False
        await wait_until(lambda: informer.list_count == 2, what="relist after restart", timeout=10)
        await wait_until(lambda: len(recorder.calls) >= 2, what="diff events", describe=lambda: recorder.calls)
        assert sorted(recorder.calls) == [("add", "default/d"), ("delete", "default/a")]
        assert store_matches_server(informer, fake_apiserver)


async def test_broken_stream_without_compaction_rewatches_from_last_rv(fake_apiserver, api, wait_until):
    fake_apiserver.put(POD, pod("a"))
    informer = Informer(api, POD)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        await wait_until(lambda: fake_apiserver.open_watches == 1, what="the watch to open")
        fake_apiserver.down = True
        fake_apiserver.break_watches()
        fake_apiserver.put(POD, pod("b"))
        fake_apiserver.down = False
        await wait_until(lambda: ("add", "default/b") in recorder.calls, what="the missed add", timeout=10)
        assert informer.list_count == 1, "a broken stream resumes the watch; only 410 relists"
        assert recorder.calls == [("add", "default/a"), ("add", "default/b")]


async def test_paged_list_bookmarks_and_indexes(fake_apiserver, wait_until):
    api = fake_apiserver.client()
    for i in range(7):
        fake_apiserver.put(POD, pod(f"p{i}", node=f"n{i % 2}", labels={"app": "web" if i < 3 else "db"}))
    fake_apiserver.put(POD, pod("child", owner_uid="u-1"))
    informer = Informer(api, POD, page_size=3)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        list_calls = [r for r in fake_apiserver.requests if r[0] == "GET" and "watch" not in r[3]]
        assert [r[3].get("limit") for r in list_calls] == ["3", "3", "3"]
        assert len(informer.list()) == 8
        assert all(o["kind"] == "Pod" and o["apiVersion"] == "v1" for o in informer.list())
        assert {object_key(o) for o in informer.by_index(INDEX_LABEL, "app=web")} == {
            "default/p0",
            "default/p1",
            "default/p2",
        }
        assert len(informer.by_index(INDEX_NODE_NAME, "n0")) == 4
        assert [object_key(o) for o in informer.by_index(INDEX_OWNER_UID, "u-1")] == ["default/child"]
        fake_apiserver.revision += 5  # writes elsewhere move the revision
        fake_apiserver.bookmark(POD)
        await wait_until(
            lambda: informer.resource_version == str(fake_apiserver.revision), what="bookmark to advance RV"
        )
        assert len(recorder.calls) == 8, "a bookmark fires no handler"
        moved = {**fake_apiserver.objects[("pods", "default", "p0")], "spec": {"nodeName": "n9"}}
        fake_apiserver.put(POD, moved)
        await wait_until(lambda: len(informer.by_index(INDEX_NODE_NAME, "n9")) == 1, what="index update")
        assert len(informer.by_index(INDEX_NODE_NAME, "n0")) == 3
    await api.close()


async def test_recreated_object_is_delete_then_add_and_failing_handler_is_isolated(fake_apiserver, api, wait_until):
    fake_apiserver.put(POD, pod("a"))
    informer = Informer(api, POD)
    informer.add_event_handler(on_add=lambda obj: 1 / 0)
    recorder = Recorder()
    recorder.attach(informer)
    async with running(informer):
        await wait_until(lambda: fake_apiserver.open_watches == 1, what="the watch to open")
        fake_apiserver.hold = True
        fake_apiserver.remove(POD, "a", "default")
        fake_apiserver.put(POD, pod("a"))  # same name, new uid
        fake_apiserver.compact()
        fake_apiserver.expire_watches()
        fake_apiserver.hold = False
        await wait_until(lambda: len(recorder.calls) == 3, what="delete+add", describe=lambda: recorder.calls)
        assert recorder.calls[1:] == [("delete", "default/a"), ("add", "default/a")]


async def test_late_handler_gets_replay_and_resync_fires_updates(fake_apiserver, api, wait_until):
    for name in ("a", "b"):
        fake_apiserver.put(POD, pod(name))
    informer = Informer(api, POD, resync_period_seconds=0.05)
    async with running(informer):
        recorder = Recorder()
        recorder.attach(informer)
        await wait_until(
            lambda: sum(1 for c in recorder.calls if c[0] == "update") >= 4,
            what="two resync rounds",
            describe=lambda: recorder.calls,
        )
        assert sorted(recorder.calls[:2]) == [("add", "default/a"), ("add", "default/b")]
        assert {c[1] for c in recorder.calls[2:]} == {"default/a", "default/b"}


async def test_stop_cancels_the_watch(fake_apiserver, api, wait_until):
    informer = Informer(api, POD)
    async with running(informer):
        await wait_until(lambda: fake_apiserver.open_watches == 1, what="the watch to open")
    await wait_until(lambda: fake_apiserver.open_watches == 0, what="the watch to close")
    assert not informer.running
    with contextlib.suppress(asyncio.CancelledError):
        await informer.stop()  # idempotent


async def test_has_seen_compares_the_cache_revision_with_a_revision_read_elsewhere(fake_apiserver, api, wait_until):
    fake_apiserver.put(POD, pod("a"))
    informer = Informer(api, POD)
    assert not informer.has_seen("1"), "nothing listed yet"
    async with running(informer):
        current = informer.resource_version
        assert informer.has_seen(current)
        assert informer.has_seen(str(int(current) - 1))
        assert not informer.has_seen(str(int(current) + 1))
        assert not informer.has_seen(""), "no revision: never assumed seen"
        assert not informer.has_seen("opaque-token")
        fake_apiserver.put(POD, pod("b"))
        await wait_until(lambda: informer.has_seen(str(int(current) + 1)), what="the next event's revision")
