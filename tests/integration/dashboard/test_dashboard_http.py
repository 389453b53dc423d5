"""The dashboard's HTTP side against a real apiserver: login and session rules, live feeds over SSE
that resume from Last-Event-ID (and relist when the version is gone), actions, YAML.
"""

from __future__ import annotations

import httpx
import pytest

from tests.integration.dashboard.conftest import (
    CSRF,
    admin_token,
    logged_in,
    next_event,
    read_events,
    running_dashboard,
)
from tests.support.service_account_tokens import service_account_token

STREAM_TIMEOUT = httpx.Timeout(10.0, read=15.0)


def pod(name: str) -> dict:
    return {"metadata": {"name": name, "labels": {"app": "x"}}, "spec": {"containers": [{"name": "a", "image": "i"}]}}


def deployment(name: str) -> dict:
    labels = {"app": name}
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "a", "image": "i"}]}},
        },
    }


def test_the_page_and_health_are_served_with_a_strict_policy(dashboard):
    page = httpx.get(f"{dashboard}/")
    assert page.status_code == 200 and '<script type="module" src="/static/js/app.js">' in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    assert httpx.get(f"{dashboard}/static/js/app.js").headers["content-type"].startswith("text/javascript")
    assert httpx.get(f"{dashboard}/healthz").text == "ok"


def test_no_session_no_data_and_logins_need_the_anti_csrf_header(dashboard, token):
    assert httpx.get(f"{dashboard}/api/stream?feeds=pods").status_code == 401
    assert httpx.post(f"{dashboard}/api/actions", json={}, headers=CSRF).status_code == 401
    assert httpx.post(f"{dashboard}/login", json={"token": token}).status_code == 403
    assert httpx.post(f"{dashboard}/login", json={"token": "two words"}, headers=CSRF).status_code == 400
    refused = httpx.post(f"{dashboard}/login", json={"token": "not-a-token-the-api-knows"}, headers=CSRF)
    assert (refused.status_code, refused.json()["error"]) == (401, "the API refused this token")
    assert "set-cookie" not in refused.headers
    response = httpx.post(f"{dashboard}/login", json={"token": token}, headers=CSRF)
    cookie = response.headers["set-cookie"]
    assert response.status_code == 200 and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert token not in cookie
    forged = httpx.get(f"{dashboard}/api/whoami", cookies={"kubemini_dashboard_session": "forged"})
    assert forged.status_code == 401


def test_logout_ends_the_session(dashboard, token):
    with httpx.Client(base_url=dashboard) as client:
        client.post("/login", json={"token": token}, headers=CSRF).raise_for_status()
        assert client.get("/api/whoami").status_code == 200
        assert client.post("/logout", headers=CSRF).status_code == 200
        assert client.get("/api/whoami").status_code == 401


def test_a_feed_lists_then_streams_and_a_reconnect_resumes_without_relisting(api, browser, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("first")).raise_for_status()
    params = {"feeds": "pods", "namespace": namespace}
    with browser.stream("GET", "/api/stream", params=params, timeout=STREAM_TIMEOUT) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = read_events(response)
        reset = next_event(events, lambda d: d["type"] == "reset")
        assert [row["key"] for row in reset.data["rows"]] == [f"{namespace}/first"]
        assert reset.data["rows"][0]["status"] == "Pending"
        api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("second")).raise_for_status()
        added = next_event(events, lambda d: d["type"] == "change")
        assert (added.data["event"], added.data["row"]["key"]) == ("ADDED", f"{namespace}/second")
        last_id = added.id
    assert last_id.startswith("pods=")

    # The browser was away while a pod was deleted: it comes back with Last-Event-ID and gets the deletion.
    api.delete(f"/api/v1/namespaces/{namespace}/pods/first").raise_for_status()
    headers = {"Last-Event-ID": last_id}
    with browser.stream("GET", "/api/stream", params=params, headers=headers, timeout=STREAM_TIMEOUT) as response:
        first = next_event(read_events(response), lambda d: d["type"] != "bookmark")
    assert first.data["type"] == "change", first.data
    assert (first.data["event"], first.data["row"]["key"]) == ("DELETED", f"{namespace}/first")


def test_a_version_the_api_no_longer_has_means_a_fresh_list(own_etcd, own_apiserver, tmp_path):
    api = own_apiserver.http(timeout=10)
    for name in ("a", "b"):
        api.post("/api/v1/namespaces/default/pods", json=pod(name)).raise_for_status()
    old = api.get("/api/v1/namespaces/default/pods/a").json()["metadata"]["resourceVersion"]
    api.delete("/api/v1/namespaces/default/pods/a").raise_for_status()
    own_etcd.compact()
    params = {"feeds": "pods", "namespace": "default"}
    token = admin_token(own_apiserver)
    with running_dashboard(own_apiserver, tmp_path / "dashboard") as url, logged_in(url, token) as browser:
        headers = {"Last-Event-ID": f"pods={old}"}
        with browser.stream("GET", "/api/stream", params=params, headers=headers, timeout=STREAM_TIMEOUT) as response:
            first = next_event(read_events(response), lambda d: d["type"] != "bookmark")
    assert first.data["type"] == "reset", first.data
    assert [row["key"] for row in first.data["rows"]] == ["default/b"]


def test_label_selectors_and_names_narrow_the_watch(api, browser, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("match")).raise_for_status()
    other = pod("other")
    other["metadata"]["labels"] = {"app": "y"}
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=other).raise_for_status()
    for params, keys in (
        ({"feeds": "pods", "namespace": namespace, "labelSelector": "app=y"}, [f"{namespace}/other"]),
        ({"feeds": "pod-detail", "namespace": namespace, "name": "match"}, [f"{namespace}/match"]),
    ):
        with browser.stream("GET", "/api/stream", params=params, timeout=STREAM_TIMEOUT) as response:
            reset = next_event(read_events(response), lambda d: d["type"] == "reset")
        assert [row["key"] for row in reset.data["rows"]] == keys
    assert reset.data["rows"][0]["containers"][0]["name"] == "a"
    assert browser.get("/api/stream", params={"feeds": "secrets"}).status_code == 400


def test_actions_scale_restart_delete_and_cordon(api, browser, namespace):
    api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=deployment("web")).raise_for_status()
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("doomed")).raise_for_status()
    node = f"node-{namespace}"
    api.post("/api/v1/nodes", json={"metadata": {"name": node}}).raise_for_status()

    def act(**action):
        return browser.post("/api/actions", json=action, headers=CSRF)

    assert act(action="scale", kind="Deployment", namespace=namespace, name="web", replicas=4).status_code == 200
    assert act(action="restart", kind="Deployment", namespace=namespace, name="web").status_code == 200
    web = api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web").json()
    assert web["spec"]["replicas"] == 4
    assert "kubectl.kubernetes.io/restartedAt" in web["spec"]["template"]["metadata"]["annotations"]
    assert act(action="delete-pod", namespace=namespace, name="doomed").status_code == 200
    assert api.get(f"/api/v1/namespaces/{namespace}/pods/doomed").status_code == 404
    assert act(action="cordon", name=node).status_code == 200
    assert api.get(f"/api/v1/nodes/{node}").json()["spec"]["unschedulable"] is True
    missing = act(action="scale", kind="Deployment", namespace=namespace, name="nope", replicas=1)
    assert missing.status_code == 404
    assert act(action="scale", namespace=namespace, name="web", replicas=-2).status_code == 400
    assert browser.post("/api/actions", json={"action": "cordon", "name": node}).status_code == 403  # no CSRF header
    api.delete(f"/api/v1/nodes/{node}")


def test_access_and_yaml(api, browser, namespace):
    api.post(f"/api/v1/namespaces/{namespace}/pods", json=pod("shown")).raise_for_status()
    access = browser.post("/api/access", json={"namespace": namespace}, headers=CSRF)
    assert set(access.json()) == {"scale", "restart", "delete-pod", "cordon", "logs"}
    malformed = browser.post("/api/access", content=b"{nope", headers={**CSRF, "Content-Type": "application/json"})
    assert malformed.status_code == 400
    text = browser.get(f"/api/yaml/pods/{namespace}/shown").text
    assert "name: shown" in text and "managedFields" not in text
    assert browser.get(f"/api/yaml/pods/{namespace}/absent").status_code == 404


@pytest.mark.parametrize("feed", ["nodes", "events", "services", "endpointslices", "ingresses", "cronjobs"])
def test_every_feed_lists(browser, feed):
    with browser.stream("GET", "/api/stream", params={"feeds": feed}, timeout=STREAM_TIMEOUT) as response:
        reset = next_event(read_events(response), lambda d: d["type"] in ("reset", "denied"))
    assert reset.data["type"] == "reset" and isinstance(reset.data["rows"], list)


def test_node_metrics_say_when_the_metrics_api_is_not_there(browser):
    params = {"feeds": "nodes", "metrics": "1"}
    with browser.stream("GET", "/api/stream", params=params, timeout=STREAM_TIMEOUT) as response:
        event = next_event(read_events(response), lambda d: d["feed"] == "node-metrics")
    assert event.data["type"] in ("unavailable", "reset")


def test_a_read_only_identity_sees_its_namespace_and_cannot_act(api, dashboard, namespace):
    """Needs RBAC enforced by the API: every request carries the viewer's own token. (The aggregated
    ClusterRole `view` gets its rules from the controller-manager, which this tier does not run: a Role
    with view's verbs on the kinds used stands in; the e2e test binds `view` itself.)"""
    api.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", json=deployment("web")).raise_for_status()
    reader = {"metadata": {"name": "reader"}, "rules": [
        {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": ["apps"], "resources": ["deployments"], "verbs": ["get", "list", "watch"]}]}  # fmt: skip
    api.post(f"/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/roles", json=reader).raise_for_status()
    viewer = service_account_token(api, namespace, "viewer", role="reader")
    with logged_in(dashboard, viewer) as browser:
        assert browser.get("/api/whoami").json()["username"] == f"system:serviceaccount:{namespace}:viewer"
        params = {"feeds": "deployments,nodes", "namespace": namespace}
        with browser.stream("GET", "/api/stream", params=params, timeout=STREAM_TIMEOUT) as response:
            events = read_events(response)
            first = [next_event(events, lambda d: d["type"] in ("reset", "denied")) for _ in range(2)]
        by_feed = {event.data["feed"]: event.data for event in first}
        assert [row["name"] for row in by_feed["deployments"]["rows"]] == ["web"]
        assert by_feed["nodes"]["type"] == "denied" and by_feed["nodes"]["code"] == 403
        access = browser.post("/api/access", json={"namespace": namespace}, headers=CSRF).json()
        assert access == {"scale": False, "restart": False, "delete-pod": False, "cordon": False, "logs": True}
        action = {"action": "scale", "kind": "Deployment", "namespace": namespace, "name": "web", "replicas": 3}
        refused = browser.post("/api/actions", json=action, headers=CSRF)
        assert refused.status_code == 403 and refused.json()["error"].startswith("not allowed: ")
        assert browser.get(f"/api/yaml/pods/{namespace}/x").status_code == 404  # may read, there is none
    assert api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/web").json()["spec"]["replicas"] == 1
