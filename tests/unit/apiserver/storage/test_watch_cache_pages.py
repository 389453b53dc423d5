"""The watch cache's pages and shared entries (lists served from the cache, reads reusing its objects)."""

from __future__ import annotations

import json

from apiserver.serialized import list_json
from apiserver.storage.backend import StorageEvent
from apiserver.storage.watch_cache import WatchCache
from kubemini.api import registry

CONFIGMAPS = registry.by_kind("ConfigMap")


def _cache(*names: str) -> WatchCache:
    cache = WatchCache(store=None, resource=CONFIGMAPS)
    for revision, name in enumerate(names, start=1):
        namespace, _, short = name.partition("/")
        obj = {"metadata": {"name": short, "namespace": namespace}, "data": {}}
        cache._apply(StorageEvent("PUT", f"/registry/configmaps/{name}", obj, None, revision))
    return cache


def _names(entries) -> list[str]:
    return [entry.obj["metadata"]["name"] for entry in entries]


def test_a_page_is_sorted_by_key_and_stays_under_its_prefix():
    cache = _cache("b/two", "a/one", "b/one", "c/one")
    entries, following = cache.page("/registry/configmaps/b/", None)
    assert _names(entries) == ["one", "two"]
    assert following == ""


def test_a_limited_page_names_the_key_to_continue_from_only_when_a_key_follows():
    cache = _cache("a/x1", "a/x2", "a/x3", "b/y")
    entries, following = cache.page("/registry/configmaps/a/", None, limit=2)
    assert _names(entries) == ["x1", "x2"]
    assert following == "/registry/configmaps/a/x2\x00"
    rest, after = cache.page("/registry/configmaps/a/", None, limit=2, start_key=following)
    assert _names(rest) == ["x3"]
    assert after == ""
    exact, after_exact = cache.page("/registry/configmaps/a/", None, limit=3)
    assert _names(exact) == ["x1", "x2", "x3"]
    assert after_exact == ""


def test_a_filter_skips_entries_without_ending_the_page():
    cache = _cache("a/x1", "a/x2", "a/x3")
    entries, _ = cache.page("/registry/configmaps/a/", lambda obj: obj["metadata"]["name"] != "x2")
    assert _names(entries) == ["x1", "x3"]


def test_a_deleted_key_leaves_the_pages_and_the_known_entries():
    cache = _cache("a/x1", "a/x2")
    assert cache.known("/registry/configmaps/a/x1", 1) is not None
    assert cache.known("/registry/configmaps/a/x1", 2) is None  # another revision: decode it again
    cache._apply(StorageEvent("DELETE", "/registry/configmaps/a/x1", None, None, 3))
    assert _names(cache.page("", None)[0]) == ["x2"]
    assert cache.known("/registry/configmaps/a/x1", 1) is None


def test_entries_carry_their_kind_and_their_json_is_shared_with_the_watch_event():
    cache = _cache("a/x1")
    entry = cache.entries["/registry/configmaps/a/x1"]
    assert entry.obj["kind"] == "ConfigMap" and entry.obj["apiVersion"] == "v1"
    assert cache.window[-1].object_json() is entry.json()


def test_a_list_made_of_entry_bytes_is_the_list_document():
    cache = _cache("a/x1", "a/x2")
    entries, _ = cache.page("", None)
    body = json.loads(list_json(CONFIGMAPS, entries, {"resourceVersion": "2"}))
    assert body == {
        "kind": "ConfigMapList",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": "2"},
        "items": [entry.obj for entry in entries],
    }
    assert json.loads(list_json(CONFIGMAPS, [], {"resourceVersion": "2"}))["items"] == []


def test_the_count_under_a_prefix_is_of_that_prefix_only():
    cache = _cache("a/x1", "a/x2", "ab/x3", "b/y")
    assert cache.count("/registry/configmaps/a/") == 2
    assert cache.count("/registry/configmaps/") == 4
    assert cache.count("/registry/configmaps/c/") == 0
