"""RBAC through the dashboard: a ServiceAccount with only the `view` ClusterRole in one namespace
sees that namespace's workloads but cannot scale them, in the UI and through the backend.

    viewer (RoleBinding to ClusterRole view in dash-rbac) logs in with its token (`kubectl create token`)
    ──► the overview: cluster-wide lists say "not allowed"; `:ns dash-rbac` picks its namespace
    ──► Workloads: the Deployment is listed, its Scale / Restart buttons are disabled
        (SelfSubjectAccessReview: patch deployments/scale is not allowed)
    ──► POST /api/actions scale (as a script would, with the session cookie) ──► 403 "not allowed: ..."
        and the Deployment still asks for 1 replica
    ──► the nodes feed (cluster-scoped, not granted) says "not allowed" on the overview

DEPENDS ON RBAC being enforced by the API server (authorization mode RBAC, SelfSubjectAccessReview).
"""

from __future__ import annotations

import pytest

from tests.support.api_http import api_http
from tests.support.service_account_tokens import service_account_token

NAMESPACE = "dash-rbac"
STEP_TIMEOUT_MS = 30_000
CSRF = {"X-Kubemini-Dashboard": "1"}


def deployment(name: str) -> dict:
    labels = {"app": name}
    container = {"name": "main", "image": "kubemini/busybox:1.35", "command": ["sleep", "3600"]}
    template = {"metadata": {"labels": labels}, "spec": {"terminationGracePeriodSeconds": 1, "containers": [container]}}
    spec = {"replicas": 1, "selector": {"matchLabels": labels}, "template": template}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name}, "spec": spec}


@pytest.mark.timeout(120)
def test_an_identity_with_only_view_cannot_scale(cluster, browser, artifacts):
    api = api_http(base_url=cluster.url, timeout=15)
    api.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}}).raise_for_status()
    api.post(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", json=deployment("web")).raise_for_status()
    token = service_account_token(api, NAMESPACE, "viewer", cluster_role="view")

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.goto(f"{cluster.dashboard_url}/#/overview")
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("#nodes .denied:has-text('not allowed')")
    page.screenshot(path=artifacts / "1-viewer-overview-nodes-not-allowed.png", full_page=True)

    # It may not list namespaces: it names its own with `:ns`, then goes to the workloads with `2`.
    page.wait_for_selector("#namespace option[disabled]:has-text(':ns NAME')", state="attached")
    page.keyboard.press(":")
    page.fill("#command-input", f"ns {NAMESPACE}")
    page.press("#command-input", "Enter")
    page.keyboard.press("2")
    row = f"section[data-feed=deployments] tr[data-key='{NAMESPACE}/web']"
    page.wait_for_selector(row)
    page.wait_for_selector(f"{row} button[data-action=scale][disabled]")
    assert page.is_disabled(f"{row} button[data-action=restart]")
    page.screenshot(path=artifacts / "2-viewer-scale-disabled.png", full_page=True)

    access = page.request.post(f"{cluster.dashboard_url}/api/access", data={"namespace": NAMESPACE}, headers=CSRF)
    assert access.json()["scale"] is False and access.json()["logs"] is True
    action = {"action": "scale", "kind": "Deployment", "namespace": NAMESPACE, "name": "web", "replicas": 5}
    refused = page.request.post(f"{cluster.dashboard_url}/api/actions", data=action, headers=CSRF)
    assert refused.status == 403 and refused.json()["error"].startswith("not allowed: ")
    assert api.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web").json()["spec"]["replicas"] == 1
    context.close()
