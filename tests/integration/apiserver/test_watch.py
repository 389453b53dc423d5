"""Watch: ordered exactly-once delivery from a resourceVersion, selectors, bookmarks, 410, slow watchers."""

from __future__ import annotations

import time

from tests.integration.apiserver.conftest import configmap
from tests.support.api_http import api_http
from tests.support.processes import ApiServer
from tests.support.watch_reader import WatchReader

MERGE = {"Content-Type": "application/merge-patch+json"}


def test_watch_from_resource_version_sees_every_change_once_in_order(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json=configmap("before"))
    start = api.get(path).json()["metadata"]["resourceVersion"]
    reader = WatchReader(apiserver.url, path, resourceVersion=start)
    try:
        expected = []
        for index in range(20):
            created = api.post(path, json=configmap(f"c{index}")).json()
            expected.append(("ADDED", f"c{index}", created["metadata"]["resourceVersion"]))
            if index % 3 == 0:
                updated = api.patch(f"{path}/c{index}", json={"data": {"v": "1"}}, headers=MERGE).json()
                expected.append(("MODIFIED", f"c{index}", updated["metadata"]["resourceVersion"]))
            if index % 5 == 0:
                assert api.delete(f"{path}/c{index}").json()["status"] == "Success"
                expected.append(("DELETED", f"c{index}", None))  # a Success Status carries no revision
        events = reader.take(len(expected))
        seen = [
            (e["type"], e["object"]["metadata"]["name"], e["object"]["metadata"]["resourceVersion"]) for e in events
        ]
        assert [(t, n, rv if t != "DELETED" else None) for t, n, rv in seen] == expected
        revisions = [int(rv) for _, _, rv in seen]
        assert revisions == sorted(revisions) and len(set(revisions)) == len(revisions)
    finally:
        reader.close()


def test_watch_without_resource_version_starts_with_current_state(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    for name in ("x", "y"):
        api.post(path, json=configmap(name))
    reader = WatchReader(apiserver.url, path, timeoutSeconds="3")
    try:
        initial = reader.take(2)
        assert [(e["type"], e["object"]["metadata"]["name"]) for e in initial] == [("ADDED", "x"), ("ADDED", "y")]
        assert reader.next(10) is None, "timeoutSeconds must end the stream"
    finally:
        reader.close()


def test_label_selector_turns_transitions_into_added_and_deleted(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    start = api.get(path).json()["metadata"]["resourceVersion"]
    reader = WatchReader(apiserver.url, path, resourceVersion=start, labelSelector="team=blue")
    try:
        api.post(path, json={**configmap("m"), "metadata": {"name": "m", "labels": {"team": "red"}}})
        api.patch(f"{path}/m", json={"metadata": {"labels": {"team": "blue"}}}, headers=MERGE)
        api.patch(f"{path}/m", json={"data": {"k": "v"}}, headers=MERGE)
        api.patch(f"{path}/m", json={"metadata": {"labels": {"team": "green"}}}, headers=MERGE)
        events = reader.take(3)
        assert [e["type"] for e in events] == ["ADDED", "MODIFIED", "DELETED"]
    finally:
        reader.close()


def test_send_initial_events_ends_with_annotated_bookmark(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    api.post(path, json=configmap("init"))
    params = {"sendInitialEvents": "true", "resourceVersionMatch": "NotOlderThan", "allowWatchBookmarks": "true"}
    reader = WatchReader(apiserver.url, path, **params)
    try:
        first, second = reader.take(2, skip_bookmarks=False)
        assert first["type"] == "ADDED" and first["object"]["metadata"]["name"] == "init"
        assert second["type"] == "BOOKMARK"
        assert second["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    finally:
        reader.close()
    rejected = api.get(path, params={"watch": "true", "sendInitialEvents": "true"})
    assert rejected.status_code == 422


def test_periodic_bookmarks_carry_a_resource_version(apiserver, api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    start = api.get(path).json()["metadata"]["resourceVersion"]
    reader = WatchReader(apiserver.url, path, resourceVersion=start, allowWatchBookmarks="true")
    try:
        event = reader.next(15)
        assert event is not None and event["type"] == "BOOKMARK"
        assert int(event["object"]["metadata"]["resourceVersion"]) >= int(start)
    finally:
        reader.close()


def test_compacted_resource_version_gives_410(own_etcd, own_apiserver):
    with api_http(base_url=own_apiserver.url, timeout=30) as api:
        path = "/api/v1/namespaces/default/configmaps"
        old = api.post(path, json=configmap("old")).json()["metadata"]["resourceVersion"]
        for index in range(5):
            api.patch(f"{path}/old", json={"data": {"i": str(index)}}, headers=MERGE)
        own_etcd.compact()
        response = api.get(path, params={"watch": "true", "resourceVersion": old})
        assert response.status_code == 200
        event = response.json()
        assert event["type"] == "ERROR"
        assert event["object"]["code"] == 410 and event["object"]["reason"] == "Expired"


def test_slow_watcher_is_cut_off_without_stalling_others(own_etcd, tmp_path):
    server = ApiServer(own_etcd.url, tmp_path / "small-queue.log", extra_args=("--watch-queue-events", "20")).start()
    try:
        path = "/api/v1/namespaces/default/configmaps"
        with api_http(base_url=server.url, timeout=30) as api:
            start = api.post(path, json=configmap("big")).json()["metadata"]["resourceVersion"]
            slow = api_http(base_url=server.url, timeout=None)
            stalled = slow.stream("GET", path, params={"watch": "true", "resourceVersion": start})
            stalled.__enter__()  # opened, never read
            fast = WatchReader(server.url, path, resourceVersion=start)
            try:
                blob = "x" * 200_000
                updates = 80
                started = time.monotonic()
                for index in range(updates):
                    api.put(f"{path}/big", json={**configmap("big", blob=f"{index}{blob}")})
                events = fast.take(updates, deadline_seconds=60)
                assert len(events) == updates
                assert time.monotonic() - started < 60
                assert "cutting off a slow configmaps watcher" in server.log_path.read_text()
            finally:
                fast.close()
                stalled.__exit__(None, None, None)
                slow.close()
    finally:
        server.stop()
