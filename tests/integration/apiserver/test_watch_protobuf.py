"""Watch in protobuf: length-delimited WatchEvents, each object in the k8s envelope, as client-go reads them."""

from __future__ import annotations

from apiserver.protobuf import decode_protobuf_object
from apiserver.protobuf.wire import iter_fields
from tests.integration.apiserver.conftest import configmap
from tests.support.api_http import api_http

PROTOBUF_FIRST = "application/vnd.kubernetes.protobuf, application/json"
MERGE = {"Content-Type": "application/merge-patch+json"}


def read_frames(response, count: int) -> list[tuple[str, dict]]:
    """`count` (type, object) pairs from a protobuf watch body: 4-byte length, then a metav1.WatchEvent."""
    buffer, events = b"", []
    for data in response.iter_raw():
        buffer += data
        while len(buffer) >= 4 and len(buffer) - 4 >= (size := int.from_bytes(buffer[:4], "big")):
            message, buffer = buffer[4 : 4 + size], buffer[4 + size :]
            fields = {number: value for number, _wire, value in iter_fields(message)}
            raw = {number: value for number, _wire, value in iter_fields(fields[2])}[1]
            events.append((fields[1].decode(), decode_protobuf_object(raw)))
        if len(events) >= count:
            return events
    raise AssertionError(f"the stream ended after {len(events)} of {count} events")


def test_a_protobuf_watch_streams_every_change_as_watch_events(api, namespace):
    path = f"/api/v1/namespaces/{namespace}/configmaps"
    start = api.get(path).json()["metadata"]["resourceVersion"]
    params = {"watch": "true", "resourceVersion": start, "allowWatchBookmarks": "true", "timeoutSeconds": "10"}
    with api.stream("GET", path, params=params, headers={"Accept": PROTOBUF_FIRST}) as response:
        assert response.headers["content-type"] == "application/vnd.kubernetes.protobuf;stream=watch"
        created = api.post(path, json=configmap("pb", k="v")).json()
        api.patch(f"{path}/pb", json={"data": {"k": "w"}}, headers=MERGE)
        api.delete(f"{path}/pb")
        events = read_frames(response, 3)
    assert [kind for kind, _ in events] == ["ADDED", "MODIFIED", "DELETED"]
    added = events[0][1]
    assert (added["kind"], added["apiVersion"], added["metadata"]["name"]) == ("ConfigMap", "v1", "pb")
    assert added["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]
    assert events[1][1]["data"] == {"k": "w"}


def test_a_compacted_resource_version_is_a_protobuf_error_event(own_etcd, own_apiserver):
    with api_http(base_url=own_apiserver.url, timeout=30) as api:
        path = "/api/v1/namespaces/default/configmaps"
        old = api.post(path, json=configmap("old")).json()["metadata"]["resourceVersion"]
        for index in range(3):
            api.patch(f"{path}/old", json={"data": {"i": str(index)}}, headers=MERGE)
        own_etcd.compact()
        params = {"watch": "true", "resourceVersion": old}
        with api.stream("GET", path, params=params, headers={"Accept": PROTOBUF_FIRST}) as response:
            (kind, status), *_ = read_frames(response, 1)
    assert kind == "ERROR" and (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
