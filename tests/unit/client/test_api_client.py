"""ApiClient: URLs from the registry, typed errors, retries, paging, watch decoding."""

from __future__ import annotations

import json

import httpx
import pytest

from kubemini.api.registry import by_kind
from kubemini.api.status import make_status
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import (
    AlreadyExists,
    ApiError,
    Conflict,
    ConnectionFailed,
    Gone,
    Invalid,
    NotFound,
    ServerUnavailable,
    TooManyRequests,
    check_response,
    error_from_status,
)

POD, DEPLOYMENT, NODE = by_kind("Pod"), by_kind("Deployment"), by_kind("Node")


class Scripted:
    """A transport answering from a list of responses/exceptions, recording each request."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self, **kwargs) -> ApiClient:
        return ApiClient("http://apiserver.test", transport=httpx.MockTransport(self), **kwargs)


def status_response(code: int, reason: str | None = None, **headers: str) -> httpx.Response:
    return httpx.Response(code, json=make_status(code, "msg", reason=reason), headers=headers)


@pytest.mark.parametrize(
    ("code", "reason", "error_type"),
    [
        (404, "NotFound", NotFound),
        (409, "AlreadyExists", AlreadyExists),
        (409, "Conflict", Conflict),
        (410, "Expired", Gone),
        (410, "Gone", Gone),
        (422, "Invalid", Invalid),
        (429, "TooManyRequests", TooManyRequests),
        (503, "ServiceUnavailable", ServerUnavailable),
        (409, None, Conflict),
    ],
)
def test_check_response_maps_status_to_typed_error(code, reason, error_type):
    response = httpx.Response(code, json={"kind": "Status", "code": code, "reason": reason, "message": "m"})
    with pytest.raises(error_type) as raised:
        check_response(response)
    assert raised.value.code == code and raised.value.message == "m"
    assert type(raised.value) is error_type


def test_non_status_body_still_gives_a_typed_error():
    with pytest.raises(NotFound) as raised:
        check_response(httpx.Response(404, text="<html>nope</html>"))
    assert "nope" in raised.value.message
    assert isinstance(error_from_status({"code": 418}), ApiError)


async def test_urls_methods_and_bodies_come_from_the_registry():
    transport = Scripted(httpx.Response(200, json={"ok": True}))
    async with transport.client() as api:
        await api.get(POD, "web", namespace="ns1")
        await api.get(NODE, "n1")
        await api.list(DEPLOYMENT, label_selector="app=x", limit=5)
        await api.create(POD, {"metadata": {"name": "p", "namespace": "ns2"}})
        await api.update(DEPLOYMENT, {"metadata": {"name": "d", "namespace": "ns1", "resourceVersion": "7"}})
        await api.update_status(POD, {"metadata": {"name": "p", "namespace": "ns1"}})
        await api.patch(POD, "p", [{"op": "add"}], namespace="ns1", patch_type="json")
        await api.patch(DEPLOYMENT, "d", {"spec": {"replicas": 3}}, namespace="ns1", subresource="scale")
        await api.delete(POD, "p", namespace="ns1", grace_period_seconds=0, propagation_policy="Foreground")
        await api.get_scale(DEPLOYMENT, "d", namespace="ns1")
        await api.bind("ns1", "p", "node-1")
    seen = [(r.method, r.url.path) for r in transport.requests]
    assert seen == [
        ("GET", "/api/v1/namespaces/ns1/pods/web"),
        ("GET", "/api/v1/nodes/n1"),
        ("GET", "/apis/apps/v1/deployments"),
        ("POST", "/api/v1/namespaces/ns2/pods"),
        ("PUT", "/apis/apps/v1/namespaces/ns1/deployments/d"),
        ("PUT", "/api/v1/namespaces/ns1/pods/p/status"),
        ("PATCH", "/api/v1/namespaces/ns1/pods/p"),
        ("PATCH", "/apis/apps/v1/namespaces/ns1/deployments/d/scale"),
        ("DELETE", "/api/v1/namespaces/ns1/pods/p"),
        ("GET", "/apis/apps/v1/namespaces/ns1/deployments/d/scale"),
        ("POST", "/api/v1/namespaces/ns1/pods/p/binding"),
    ]
    requests = transport.requests
    assert dict(requests[2].url.params) == {"labelSelector": "app=x", "limit": "5"}
    assert requests[6].headers["content-type"] == "application/json-patch+json"
    assert requests[7].headers["content-type"] == "application/merge-patch+json"
    assert json.loads(requests[8].content) == {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "gracePeriodSeconds": 0,
        "propagationPolicy": "Foreground",
    }
    assert json.loads(requests[10].content)["target"] == {"apiVersion": "v1", "kind": "Node", "name": "node-1"}


async def test_namespaced_object_without_namespace_is_refused():
    async with Scripted(httpx.Response(200, json={})).client() as api:
        with pytest.raises(ValueError, match="namespace"):
            await api.get(POD, "p")


async def test_connection_failures_are_retried_then_succeed():
    transport = Scripted(httpx.ConnectError("refused"), httpx.ConnectError("refused"), httpx.Response(200, json={}))
    async with transport.client(max_retries=3) as api:
        assert await api.create(POD, {"metadata": {"name": "p"}}) == {}
    assert len(transport.requests) == 3
    assert transport.requests[0].url.path == "/api/v1/namespaces/default/pods"


async def test_retries_are_bounded_and_raise_connection_failed():
    transport = Scripted(httpx.ConnectError("refused"))
    async with transport.client(max_retries=2) as api:
        with pytest.raises(ConnectionFailed) as raised:
            await api.get(NODE, "n")
    assert len(transport.requests) == 3
    assert isinstance(raised.value, ServerUnavailable) and raised.value.code == 503


async def test_a_write_cut_after_sending_is_not_resent():
    transport = Scripted(httpx.ReadError("reset"), httpx.Response(201, json={}))
    async with transport.client(max_retries=3) as api:
        with pytest.raises(ConnectionFailed):
            await api.create(POD, {"metadata": {"name": "p", "namespace": "d"}})
    assert len(transport.requests) == 1


async def test_429_waits_for_retry_after_and_resends():
    transport = Scripted(status_response(429, **{"Retry-After": "0"}), httpx.Response(200, json={"x": 1}))
    async with transport.client() as api:
        assert await api.get(NODE, "n") == {"x": 1}
    assert len(transport.requests) == 2


async def test_list_all_pages_and_restarts_unpaged_when_the_token_expires(fake_apiserver):
    for i in range(5):
        fake_apiserver.put(POD, {"metadata": {"name": f"p{i}", "namespace": "default"}})
    api = fake_apiserver.client()
    listing = await api.list_all(POD, page_size=2)
    assert [i["metadata"]["name"] for i in listing["items"]] == [f"p{i}" for i in range(5)]
    assert listing["kind"] == "PodList" and listing["metadata"]["resourceVersion"] == str(fake_apiserver.revision)
    assert fake_apiserver.count("GET", "pods") == 3

    fake_apiserver.expire_continue_tokens = True
    listing = await api.list_all(POD, page_size=2)
    assert len(listing["items"]) == 5, "an expired continue token must not lose or duplicate items"
    limits = [r[3].get("limit") for r in fake_apiserver.requests[3:]]
    assert limits == ["2", "2", None]
    await api.close()


async def test_watch_decodes_events_and_raises_gone_on_error_event_or_410():
    lines = [
        {"type": "ADDED", "object": {"metadata": {"name": "a", "resourceVersion": "5"}}},
        {"type": "BOOKMARK", "object": {"metadata": {"resourceVersion": "6"}}},
        {"type": "ERROR", "object": make_status(410, "too old", reason="Expired")},
    ]
    body = "".join(json.dumps(line) + "\n" for line in lines)
    transport = Scripted(httpx.Response(200, content=body))
    seen = []
    async with transport.client() as api:
        with pytest.raises(Gone):
            async for event in api.watch(POD, namespace="ns", resource_version="4", timeout_seconds=30):
                seen.append((event.type, event.resource_version))
    assert seen == [("ADDED", "5"), ("BOOKMARK", "6")]
    assert dict(transport.requests[0].url.params) == {
        "watch": "true",
        "resourceVersion": "4",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "30",
    }
    assert transport.requests[0].url.path == "/api/v1/namespaces/ns/pods"

    async with Scripted(status_response(410, "Expired")).client() as api:
        with pytest.raises(Gone):
            async for _ in api.watch(POD, resource_version="1"):
                pass
