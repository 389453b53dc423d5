"""Periodic bookmarks: sent when they tell a watcher a revision it has not seen, not on every tick."""

from __future__ import annotations

from apiserver.storage.watch_cache import CacheEvent, WatchCache, Watcher


def drain(watcher: Watcher) -> list[tuple[str, object]]:
    items = []
    while not watcher.queue.empty():
        items.append(watcher.queue.get_nowait())
    return items


def cache_at(revision: int, *watchers: Watcher) -> WatchCache:
    cache = WatchCache(store=None, resource=None)
    cache.revision = revision
    cache.watchers.update(watchers)
    return cache


def test_an_idle_type_sends_one_bookmark_then_nothing_until_its_revision_moves():
    watcher = Watcher(lambda obj: True, bookmarks=True)
    cache = cache_at(7, watcher)

    cache.offer_bookmarks()
    cache.offer_bookmarks()
    assert drain(watcher) == [("BOOKMARK", 7)]

    cache.revision = 9
    cache.offer_bookmarks()
    assert drain(watcher) == [("BOOKMARK", 9)]


def test_an_event_the_watcher_got_makes_a_bookmark_at_its_revision_redundant():
    everything = Watcher(lambda obj: True, bookmarks=True)
    selective = Watcher(lambda obj: obj["metadata"]["name"] == "wanted", bookmarks=True)
    silent = Watcher(lambda obj: True, bookmarks=False)
    cache = cache_at(4, everything, selective, silent)
    other = {"metadata": {"name": "other"}}

    cache._dispatch(CacheEvent("ADDED", "/k/other", other, None, 5))
    cache.revision = 5
    cache.offer_bookmarks()

    assert [item[0] for item in drain(everything)] == ["ADDED"]
    assert drain(selective) == [("BOOKMARK", 5)], "filtered out of the event, it learns the revision this way"
    assert [item[0] for item in drain(silent)] == ["ADDED"]
