"""Watchers indexed by the field value they require: an event reaches only the watchers it can concern."""

from __future__ import annotations

from apiserver.storage.watch_cache import CacheEvent, WatchCache, Watcher
from apiserver.storage.watchers import WatcherSet, index_key


def pod(name: str, node: str = "", namespace: str = "ns") -> dict:
    return {"metadata": {"name": name, "namespace": namespace}, "spec": {"nodeName": node}}


def field_values(obj: dict) -> dict[str, str]:
    metadata = obj["metadata"]
    return {
        "metadata.name": metadata["name"],
        "metadata.namespace": metadata["namespace"],
        "spec.nodeName": obj["spec"]["nodeName"],
    }


def on_node(node: str) -> Watcher:
    return Watcher(lambda obj: obj["spec"]["nodeName"] == node, bookmarks=False, index=("spec.nodeName", node))


def test_an_event_concerns_the_plain_watchers_and_those_indexed_under_its_values():
    everything = Watcher(lambda obj: True, bookmarks=False)
    n1, n2 = on_node("n1"), on_node("n2")
    named = Watcher(lambda obj: True, bookmarks=False, index=("metadata.name", "web"))
    watchers = WatcherSet()
    watchers.update([everything, n1, n2, named])

    assert set(watchers.candidates(pod("db", "n1"), None, field_values)) == {everything, n1}
    assert set(watchers.candidates(pod("web", "n2"), None, field_values)) == {everything, n2, named}


def test_a_value_that_changes_reaches_the_watchers_of_the_old_and_the_new_value_once_each():
    unscheduled, n1 = on_node(""), on_node("n1")
    watchers = WatcherSet()
    watchers.update([unscheduled, n1])
    bound = watchers.candidates(pod("a", "n1"), pod("a", ""), field_values)
    assert sorted(bound, key=id) == sorted([unscheduled, n1], key=id)
    same = watchers.candidates(pod("a", "n1"), pod("a", "n1"), field_values)
    assert same == [n1]


def test_discarded_watchers_leave_no_index_entry_behind():
    n1, other = on_node("n1"), on_node("n1")
    watchers = WatcherSet()
    watchers.update([n1, other])
    watchers.discard(n1)
    assert watchers.candidates(pod("a", "n1"), None, field_values) == [other]
    watchers.discard(other)
    watchers.discard(other)  # twice is harmless
    assert len(watchers) == 0 and watchers._index == {}  # noqa: SLF001


def test_the_index_key_is_the_first_required_field_else_the_namespace():
    assert index_key("ns", [("spec.nodeName", "n1"), ("metadata.name", "x")]) == ("spec.nodeName", "n1")
    assert index_key("ns", []) == ("metadata.namespace", "ns")
    assert index_key("", []) is None


class PodRecord:
    class strategy:  # noqa: N801 - stands in for the record's strategy object
        field_values = staticmethod(field_values)


def test_the_cache_delivers_a_binding_as_deleted_and_added_to_the_right_node_watches_only():
    unscheduled, n1, n2 = on_node(""), on_node("n1"), on_node("n2")
    cache = WatchCache(store=None, resource=PodRecord)
    cache.watchers.update([unscheduled, n1, n2])
    cache._dispatch(CacheEvent("MODIFIED", "/registry/pods/ns/a", pod("a", "n1"), pod("a", ""), 5))  # noqa: SLF001
    assert unscheduled.queue.get_nowait()[0] == "DELETED"
    assert n1.queue.get_nowait()[0] == "ADDED"
    assert n2.queue.empty()


def test_watchers_with_the_same_filter_key_share_one_verdict_per_event():
    calls: list[str] = []

    def counted(label: str, wanted: str):
        def matches(obj: dict) -> bool:
            calls.append(label)
            return obj["spec"]["nodeName"] == wanted

        return matches

    crowd = [Watcher(counted("crowd", "n1"), bookmarks=False, filter_key=("n1",)) for _ in range(3)]
    other = Watcher(counted("other", "n2"), bookmarks=False, filter_key=("n2",))
    unkeyed = Watcher(counted("unkeyed", "n1"), bookmarks=False)
    cache = WatchCache(store=None, resource=None)
    for watcher in (*crowd, other, unkeyed):
        cache.watchers.add(watcher)

    cache._dispatch(CacheEvent("ADDED", "/registry/pods/ns/a", pod("a", "n1"), None, 7, None))  # noqa: SLF001
    assert calls.count("crowd") == 1, "one verdict for the three watchers of the same filter"
    assert calls.count("other") == 1 and calls.count("unkeyed") == 1
    assert [w.queue.qsize() for w in (*crowd, other, unkeyed)] == [1, 1, 1, 0, 1]
