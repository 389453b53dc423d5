"""HorizontalPodAutoscaler end to end on hollow nodes: kubelet usage ──► metrics_server ──► metrics.k8s.io
through the apiserver ──► the HPA controller (in this process, on a clock the test moves) ──► /scale.

Pods report the CPU their `kubemini.io/hollow-cpu-usage` annotation names; the controller-manager
process runs the Deployment and ReplicaSet controllers (`--controllers *,-cronjob,-horizontalpodautoscaling`),
so new replicas really start on the hollow nodes. kubectl autoscale/top/get/describe are the real binary.

    scale-out under load (Deployment, no behavior: TooManyReplicas at maxReplicas), events, TARGETS
    scale-down: stabilization window, then a Pods policy per period (clock moved, never waited)
    targets: a StatefulSet, a custom resource's /scale (a CronTab CRD), a kind without /scale
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from controller_manager.podautoscaler.controller import HorizontalController
from kubelet.runtime.fake import HOLLOW_CPU_USAGE_ANNOTATION
from kubemini.api import timestamps
from kubemini.api.quantity import parse_quantity
from tests.integration.controller_manager.in_process import InProcessController, MovableClock
from tests.integration.controller_manager.metrics_pipeline import METRICS_PATH, MetricsServer
from tests.support.custom_resources import CRDS_PATH, crontab, crontab_crd, wait_served

RESCALE_REASON = "cpu resource utilization (percentage of request) above target"


@pytest.fixture(scope="module")
def metrics_server(cluster):
    server = MetricsServer(cluster.url, cluster.logs / "metrics-server.log").start()
    yield server
    server.stop()


@pytest.fixture
def clock():
    return MovableClock(datetime.now(UTC))


@pytest.fixture
def hpa_controller(cluster, clock, namespace, metrics_server):
    running = InProcessController(
        cluster.url,
        lambda client, informers, recorder, metrics: HorizontalController(
            client, informers, recorder=recorder, metrics=metrics, now=clock, sync_period_seconds=3600
        ),
        namespace=namespace,
    ).start()
    yield running
    running.stop()


def burner(name: str, *, replicas: int, cpu: str) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels, "annotations": {HOLLOW_CPU_USAGE_ANNOTATION: cpu}},
                "spec": {
                    "containers": [
                        {"name": "burn", "image": "kubemini/busybox:1.35", "resources": {"requests": {"cpu": "100m"}}}
                    ]
                },
            },
        },
    }


def hpa(name: str, *, maximum: int, behavior: dict | None = None) -> dict:
    spec = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": 1,
        "maxReplicas": maximum,
        "metrics": [
            {
                "type": "Resource",
                "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}},
            }
        ],
    }
    if behavior:
        spec["behavior"] = behavior
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": name}, "spec": spec}


def running_pods(api, namespace: str, name: str) -> list[dict]:
    pods = api.items(f"/api/v1/namespaces/{namespace}/pods", labelSelector=f"app={name}")
    return [
        p
        for p in pods
        if (p.get("status") or {}).get("phase") == "Running" and not p["metadata"].get("deletionTimestamp")
    ]


def set_load(api, namespace: str, name: str, cpu: str) -> None:
    for pod in running_pods(api, namespace, name):
        path = f"/api/v1/namespaces/{namespace}/pods/{pod['metadata']['name']}"
        api.merge_patch(path, {"metadata": {"annotations": {HOLLOW_CPU_USAGE_ANNOTATION: cpu}}})


def _ready_since(pod: dict) -> datetime | None:
    ready = next((c for c in pod["status"].get("conditions") or [] if c["type"] == "Ready"), None)
    return timestamps.parse(ready["lastTransitionTime"]) if ready and ready["status"] == "True" else None


def wait_metrics(api, namespace: str, name: str, *, replicas: int, millicores: float) -> None:
    """Until PodMetrics show every one of `replicas` running pods at `millicores` (two scrapes after a change),
    from a sample taken after the pod turned ready: an earlier one counts as still initializing (CPU)."""

    def settled():
        pods = {p["metadata"]["name"]: _ready_since(p) for p in running_pods(api, namespace, name)}
        items = api.items(f"{METRICS_PATH}/namespaces/{namespace}/pods", labelSelector=f"app={name}")
        usage = {
            m["metadata"]["name"]: (
                float(parse_quantity(m["containers"][0]["usage"]["cpu"]) * 1000),
                timestamps.parse(m["timestamp"]),
            )
            for m in items
        }
        return len(pods) == replicas and all(
            since is not None
            and p in usage
            and abs(usage[p][0] - millicores) < 2
            and usage[p][1] > since + timedelta(seconds=1)
            for p, since in pods.items()
        )

    api.wait_for(settled, what=f"{replicas} pods of {name} at {millicores}m in PodMetrics", timeout=30)


def sync(controller: InProcessController, key: str, *, quiet_seconds: float = 0.5) -> None:
    """One more reconcile of `key`, then none for `quiet_seconds`: the HPA's own status write wakes it
    once more (an informer event), and the test must look after that one too, not in between."""
    seen = controller.metrics.reconciles
    controller.enqueue(key)
    deadline = time.monotonic() + 10
    while controller.metrics.reconciles <= seen:
        assert time.monotonic() < deadline, f"no reconcile of {key} within 10 s"
        time.sleep(0.01)
    last, quiet_since = controller.metrics.reconciles, time.monotonic()
    while time.monotonic() - quiet_since < quiet_seconds:
        assert time.monotonic() < deadline, f"{key} kept being reconciled for 10 s"
        if controller.metrics.reconciles != last:
            last, quiet_since = controller.metrics.reconciles, time.monotonic()
        time.sleep(0.01)


def replicas_of(api, namespace: str, name: str) -> int:
    return api.get(f"/apis/apps/v1/namespaces/{namespace}/deployments/{name}")["spec"]["replicas"]


def assert_replicas(api, namespace: str, name: str, expected: int) -> None:
    """The Deployment's replicas, or a failure that shows the HPA's status and its events."""
    replicas = replicas_of(api, namespace, name)
    if replicas != expected:
        events = api.items(f"/api/v1/namespaces/{namespace}/events", fieldSelector=f"involvedObject.name={name}")
        story = [(e["reason"], e["message"], e.get("count")) for e in events]
        raise AssertionError(
            f"{name}: {replicas} replicas, expected {expected}; {hpa_status(api, namespace, name)}; {story}"
        )


def hpa_status(api, namespace: str, name: str) -> dict:
    return api.get(f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers/{name}").get("status") or {}


def condition(status: dict, kind: str) -> dict:
    return next(c for c in status.get("conditions") or [] if c["type"] == kind)


def test_scale_out_under_load_with_kubectl_views(api, kubectl, namespace, hpa_controller):
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", burner("web", replicas=1, cpu="100m"))
    kubectl.run("autoscale", "deployment", "web", "-n", namespace, "--cpu=50%", "--min=1", "--max=3")
    wait_metrics(api, namespace, "web", replicas=1, millicores=100)
    top = kubectl.run("top", "pods", "-n", namespace, "-l", "app=web", "--containers").stdout
    assert re.search(r"web-\S+\s+burn\s+(99|100)m", top), top
    sync(hpa_controller, f"{namespace}/web")  # 100 % of a 50 % target: ratio 2 ──► 2 replicas
    assert replicas_of(api, namespace, "web") == 2
    status = hpa_status(api, namespace, "web")
    # the rescale's own status write wakes the HPA once more: AbleToScale then reads as upstream's next sync
    assert status["desiredReplicas"] == 2 and status.get("lastScaleTime")
    assert condition(status, "AbleToScale")["reason"] in ("SucceededRescale", "ReadyForNewScale")
    assert status["currentMetrics"][0]["resource"]["current"]["averageUtilization"] in (99, 100)
    wait_metrics(api, namespace, "web", replicas=2, millicores=100)
    sync(hpa_controller, f"{namespace}/web")  # ratio 2 on 2 pods ──► 4, but maxReplicas is 3
    assert replicas_of(api, namespace, "web") == 3, (
        hpa_status(api, namespace, "web"),
        running_pods(api, namespace, "web"),
    )
    status = hpa_status(api, namespace, "web")
    assert (condition(status, "ScalingLimited")["status"], condition(status, "ScalingLimited")["reason"]) == (
        "True",
        "TooManyReplicas",
    )
    assert condition(status, "ScalingActive")["reason"] == "ValidMetricFound"
    events = api.items(
        f"/api/v1/namespaces/{namespace}/events", fieldSelector="involvedObject.name=web,reason=SuccessfulRescale"
    )
    assert sorted(e["message"] for e in events) == [
        f"New size: 2; reason: {RESCALE_REASON}",
        f"New size: 3; reason: {RESCALE_REASON}",
    ]
    table = kubectl.run("get", "hpa", "web", "-n", namespace).stdout
    assert re.search(r"web\s+Deployment/web\s+cpu: (99|100)%/50%\s+1\s+3\s+\d", table), table
    described = kubectl.run("describe", "hpa", "web", "-n", namespace).stdout
    assert "SuccessfulRescale" in described and "ScalingLimited" in described, described
    nodes = kubectl.run("top", "nodes").stdout
    assert "hollow-cm-" in nodes, nodes
    every = kubectl.run("top", "pods", "-A", "--sort-by=cpu").stdout
    assert re.search(rf"{namespace}\s+web-\S+\s+(99|100)m", every), every


def test_any_target_with_a_scale_subresource(api, namespace, hpa_controller):
    stateful = burner("db", replicas=1, cpu="100m")
    stateful["kind"] = "StatefulSet"
    stateful["spec"]["serviceName"] = "db"
    api.create(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", stateful)
    body = hpa("db", maximum=2)
    body["spec"]["scaleTargetRef"]["kind"] = "StatefulSet"
    api.create(f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers", body)
    wait_metrics(api, namespace, "db", replicas=1, millicores=100)
    sync(hpa_controller, f"{namespace}/db")
    assert api.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/db")["spec"]["replicas"] == 2
    group = f"{namespace}.hpa.example.com"  # a group per test run: CRDs are cluster-wide
    crd = crontab_crd(group, short_names=())
    api.create(CRDS_PATH, crd)
    try:
        wait_served(api.http, crd, deadline_seconds=10)
        path = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
        api.create(path, crontab("tab", group, replicas=1))
        api.http.put(
            f"{path}/tab/status", json={**api.get(f"{path}/tab"), "status": {"replicas": 1, "selector": "app=tab"}}
        )
        api.create(
            f"/api/v1/namespaces/{namespace}/pods",
            burner("tab", replicas=1, cpu="100m")["spec"]["template"]
            | {
                "metadata": {
                    "name": "tab-0",
                    "labels": {"app": "tab"},
                    "annotations": {HOLLOW_CPU_USAGE_ANNOTATION: "100m"},
                }
            },
        )
        body = hpa("tab", maximum=2)
        body["spec"]["scaleTargetRef"] = {"apiVersion": f"{group}/v1", "kind": "CronTab", "name": "tab"}
        api.create(f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers", body)
        wait_metrics(api, namespace, "tab", replicas=1, millicores=100)
        sync(hpa_controller, f"{namespace}/tab")
        assert api.get(f"{path}/tab")["spec"]["replicas"] == 2, hpa_status(api, namespace, "tab")
    finally:
        api.http.delete(f"{CRDS_PATH}/{crd['metadata']['name']}")
    missing = hpa("nothing", maximum=2)
    missing["spec"]["scaleTargetRef"] = {"apiVersion": "example.com/v1", "kind": "Widget", "name": "w"}
    api.create(f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers", missing)
    sync(hpa_controller, f"{namespace}/nothing")
    able = condition(hpa_status(api, namespace, "nothing"), "AbleToScale")
    assert (able["status"], able["reason"]) == ("False", "FailedGetScale"), able


def test_scale_down_follows_stabilization_window_and_pods_policy(api, namespace, hpa_controller, clock):
    behavior = {
        "scaleDown": {"stabilizationWindowSeconds": 60, "policies": [{"type": "Pods", "value": 1, "periodSeconds": 30}]}
    }
    api.create(f"/apis/apps/v1/namespaces/{namespace}/deployments", burner("calm", replicas=3, cpu="50m"))
    api.create(
        f"/apis/autoscaling/v2/namespaces/{namespace}/horizontalpodautoscalers",
        hpa("calm", maximum=5, behavior=behavior),
    )
    key = f"{namespace}/calm"
    wait_metrics(api, namespace, "calm", replicas=3, millicores=50)
    sync(hpa_controller, key)  # 50 % of 50 %: in tolerance, 3 recommended (and remembered)
    assert_replicas(api, namespace, "calm", 3)
    set_load(api, namespace, "calm", "5m")
    wait_metrics(api, namespace, "calm", replicas=3, millicores=5)
    clock.advance(30)
    sync(hpa_controller, key)  # 5 %: 1 recommended, but 3 was recommended 30 s ago (window 60 s)
    assert_replicas(api, namespace, "calm", 3)
    assert condition(hpa_status(api, namespace, "calm"), "AbleToScale")["reason"] == "ScaleDownStabilized"
    clock.advance(31)
    sync(hpa_controller, key)  # the 3 left the window: down, one pod per 30 s at most
    assert_replicas(api, namespace, "calm", 2)
    # 2, not 1: the policy held it (ScaleDownLimit). The condition is not checked here: the rescale's own
    # status write wakes the HPA again, and the pod being removed may have no metrics by then (counted at
    # 100 % as upstream does), which makes that look "DesiredWithinRange" at 2.
    rescales = api.items(
        f"/api/v1/namespaces/{namespace}/events", fieldSelector="involvedObject.name=calm,reason=SuccessfulRescale"
    )
    assert [e["message"] for e in rescales] == ["New size: 2; reason: All metrics below target"]
    clock.advance(10)
    sync(hpa_controller, key)  # within the policy's period: nothing more
    assert_replicas(api, namespace, "calm", 2)
    # Past both the period and the window: the wake-up right after the rescale may have recommended 2
    # (the removed pod's metrics missing, counted at 100 %), and a recommendation stays 60 s.
    clock.advance(51)
    sync(hpa_controller, key)
    assert_replicas(api, namespace, "calm", 1)
