"""The controller manager's /healthz and Prometheus /metrics (reconciles, errors, queue depth per controller)."""

from __future__ import annotations

import re

import httpx

from tests.integration.controller_manager.cluster import replicaset


def sample(text: str, metric: str, **labels: str) -> float | None:
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    selector = f"{{{wanted}}}" if labels else ""
    match = re.search(rf"^{re.escape(metric + selector)} (\S+)$", text, re.MULTILINE)
    return float(match.group(1)) if match else None


def test_healthz_and_metrics(cluster, api, namespace):
    assert httpx.get(f"{cluster.manager.url}/healthz", timeout=5).text == "ok"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/replicasets", replicaset("metrics", replicas=1))
    text = api.wait_for(
        lambda: (
            (t := cluster.manager.metrics())
            and (sample(t, "controller_runtime_reconcile_total", controller="replicaset", result="success") or 0) > 0
            and t
        ),
        what="replicaset reconciles counted",
    )
    assert sample(text, "controller_manager_leader") == 1.0
    for controller in (
        "replicaset",
        "deployment",
        "endpoints",
        "garbagecollector",
        "namespace",
        "nodelifecycle",
        "tainteviction",
    ):
        assert sample(text, "workqueue_depth", name=controller) is not None, controller
    assert "controller_runtime_reconcile_errors_total" in text
    assert "controller_runtime_reconcile_time_seconds_bucket" in text
