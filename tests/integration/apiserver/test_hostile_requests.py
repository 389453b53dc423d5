"""No request can crash, freeze or poison the API server.

Every case of the corpus (hostile_corpus.py, 400+ requests over every verb and
subresource) must be answered with its expected code as a `Status` (or the
object, for the few valid ones), never a 5xx, and must leave etcd untouched
unless it was valid. Then: the amplification bombs are refused fast while
other clients are served, a NaN never reaches storage, a server-side dry-run
delete deletes nothing, and the HTTP layer answers in Status too.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time

import httpx
import pytest

from tests.integration.apiserver import hostile_corpus
from tests.integration.apiserver.conftest import configmap, deployment, pod
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig

CASES = hostile_corpus.cases()


def test_the_corpus_is_big_enough():
    assert len(CASES) >= 300, len(CASES)
    assert len({case.name for case in CASES}) == len(CASES), "case names are unique"
    assert {case.method for case in CASES} >= {"GET", "POST", "PUT", "PATCH", "DELETE"}


@pytest.fixture(scope="module")
def target(apiserver):
    """A namespace holding the objects the corpus aims at: cm, web, unbound pod p, bound pod bound."""
    with api_http(base_url=apiserver.url, timeout=30) as api:
        name = "hostile"
        api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
        api.post(f"/api/v1/namespaces/{name}/configmaps", json=configmap("cm", a="1"))
        api.post(f"/apis/apps/v1/namespaces/{name}/deployments", json=deployment("web"))
        api.post(f"/api/v1/namespaces/{name}/pods", json=pod("p"))
        api.post(f"/api/v1/namespaces/{name}/pods", json=pod("bound", nodeName="n1"))
        yield api, name


def _revision(api: httpx.Client, namespace: str) -> str:
    return api.get(f"/api/v1/namespaces/{namespace}/configmaps", params={"limit": "1"}).json()["metadata"][
        "resourceVersion"
    ]


def _body(case, api: httpx.Client, namespace: str) -> bytes | None:
    if case.name == "put-node-name-on-unbound-pod":
        current = api.get(f"/api/v1/namespaces/{namespace}/pods/p").json()
        current["spec"]["nodeName"] = "n1"
        return httpx.Request("PUT", "/", json=current).content
    if case.body is None:
        return None
    return case.body.replace(b"{ns}", namespace.encode())


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_request(target, case):
    api, namespace = target
    before = _revision(api, namespace)
    headers = dict(case.headers)
    if case.body is not None and case.content_type:
        headers.setdefault("Content-Type", case.content_type)
    response = api.request(
        case.method,
        case.path.replace("{ns}", namespace),
        content=_body(case, api, namespace),
        params=case.params,
        headers=headers,
    )
    assert response.status_code < 500, response.text[:500]
    assert response.status_code == case.code, response.text[:500]
    if response.status_code >= 400 and case.method != "HEAD":
        status = response.json()
        assert list(status)[:4] == ["kind", "apiVersion", "metadata", "status"], status
        assert status["kind"] == "Status" and status["status"] == "Failure" and status["code"] == case.code
        assert isinstance(status["message"], str) and status["message"]
        if case.code == 404:
            assert "details" in status, "every 404 carries details"
    after = _revision(api, namespace)
    if case.writes:
        assert after != before, "a valid request was expected to change etcd"
    else:
        assert after == before, "a refused (or dry-run) request changed etcd"


def _timed_get(url: str, results: list, stop: threading.Event) -> None:
    with api_http(base_url=url, timeout=10) as client:
        while not stop.is_set():
            started = time.monotonic()
            client.get("/api/v1/namespaces/default")
            results.append(time.monotonic() - started)
            time.sleep(0.02)


@pytest.mark.parametrize("bomb", ["yaml-billion-laughs", "json-patch-copy-amplification", "json-nested-20000"])
def test_bombs_are_refused_within_a_second_while_others_are_served(apiserver, target, bomb):
    api, namespace = target
    case = next(c for c in CASES if c.name == bomb)
    latencies: list[float] = []
    stop = threading.Event()
    reader = threading.Thread(target=_timed_get, args=(apiserver.url, latencies, stop))
    reader.start()
    try:
        time.sleep(0.1)
        started = time.monotonic()
        response = api.request(
            case.method,
            case.path.replace("{ns}", namespace),
            content=case.body,
            headers={"Content-Type": case.content_type},
        )
        elapsed = time.monotonic() - started
        time.sleep(0.1)
    finally:
        stop.set()
        reader.join()
    assert response.status_code == case.code, response.text[:300]
    assert elapsed < 1.0, f"{bomb} took {elapsed:.2f}s to refuse"
    assert latencies and max(latencies) < 1.0, f"another client waited {max(latencies):.2f}s"


def test_nan_never_reaches_storage_and_lists_keep_working(target):
    api, namespace = target
    body = (
        b'{"metadata":{"name":"nan"},"spec":{"containers":[{"name":"c","image":"i",'
        b'"resources":{"limits":{"cpu":NaN}}}]}}'
    )
    response = api.post(
        f"/api/v1/namespaces/{namespace}/pods", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/nan").status_code == 404
    listing = api.get("/api/v1/pods")
    assert listing.status_code == 200 and listing.json()["kind"] == "PodList"


def test_kubectl_delete_dry_run_server_leaves_the_object(apiserver, target, tmp_path):
    api, namespace = target
    api.post(f"/api/v1/namespaces/{namespace}/configmaps", json=configmap("keep-me"))
    kubectl = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))
    result = kubectl.run("-n", namespace, "delete", "configmap", "keep-me", "--dry-run=server")
    assert "(server dry run)" in result.stdout
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/keep-me").status_code == 200


def _raw(apiserver, payload: bytes, *, read_timeout: float = 5.0) -> bytes:
    host, port = apiserver.url.removeprefix("https://").split(":")
    tls = apiserver.client_config.ssl_context()
    with (
        socket.create_connection((host, int(port)), timeout=read_timeout) as plain,
        tls.wrap_socket(plain, server_hostname=host) as connection,
    ):
        connection.sendall(payload)
        chunks = []
        try:
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        except (TimeoutError, ssl.SSLError):
            pass
        return b"".join(chunks)


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 400),
        (b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * (1100 * 1024) + b"\r\n\r\n", 431),
        (
            b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n"
            + b"".join(b"X-%d: y\r\n" % i for i in range(600))
            + b"\r\n",
            431,
        ),
        (b"POST /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n{}", 413),
    ],
    ids=[
        "garbage-request-line",
        "malformed-header",
        "oversized-header",
        "too-many-headers",
        "declared-length-too-large",
    ],
)
def test_http_layer_errors_are_status_objects(apiserver, payload, code):
    answer = _raw(apiserver, payload)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.split(b" ")[1] == str(code).encode(), head[:200]
    assert b'"kind":"Status"' in body and f'"code":{code}'.encode() in body, body[:300]


def _request_count(api: httpx.Client, code: int) -> float:
    line = f'apiserver_request_total{{code="{code}",resource="configmaps",verb="post"}} '
    found = [row for row in api.get("/metrics").text.splitlines() if row.startswith(line)]
    return float(found[0].rsplit(" ", 1)[1]) if found else 0.0


def test_a_client_gone_before_its_body_is_a_client_error_not_a_server_error(apiserver, target):
    api, namespace = target
    before_400, before_500 = _request_count(api, 400), _request_count(api, 500)
    host, port = apiserver.url.removeprefix("https://").split(":")
    tls = apiserver.client_config.ssl_context()
    with (
        socket.create_connection((host, int(port)), timeout=5) as plain,
        tls.wrap_socket(plain, server_hostname=host) as connection,
    ):
        connection.sendall(
            f"POST /api/v1/namespaces/{namespace}/configmaps HTTP/1.1\r\nHost: x\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n".encode()
            + b'{"metadata": {"name": "half'
        )
        time.sleep(0.2)  # the request is being read when the client goes
    deadline = time.monotonic() + 10
    while _request_count(api, 400) == before_400 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _request_count(api, 400) == before_400 + 1, "the cut-off request was never counted as a 400"
    assert _request_count(api, 500) == before_500
    assert api.get(f"/api/v1/namespaces/{namespace}/configmaps/half").status_code == 404
