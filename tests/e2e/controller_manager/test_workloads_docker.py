"""One lean end-to-end test per workload kind, in real Docker containers, driven by the real kubectl.

    one cluster for the module (tests/e2e/services/cluster.py): etcd, apiserver, scheduler,
    controller-manager, a Docker kubelet, kube-proxy with cluster DNS, on this module's own
    Service range (10.97.0.0/24: no other test or cluster uses it)
    Job           ──► Complete, `kubectl wait`, `kubectl logs job/x`
    DaemonSet     ──► its pod on the node, a rolling update, `kubectl rollout status`
    StatefulSet   ──► web-0, web-1 behind a headless Service; another pod resolves
                      `web-0.web.<ns>.svc.cluster.local` through the cluster DNS
    drain + PDB   ──► `kubectl drain` evicts one pod and is refused the second by the budget
    CronJob `*/1 * * * *` ──► created first, checked last: a Job made by it runs to Complete
Every container is labelled with this run's node name and removed afterwards, whatever happened.
"""

from __future__ import annotations

import secrets
import time

import pytest

from tests.e2e.services import cluster as service_cluster
from tests.integration.kube_proxy.proxy_process import assert_local_route
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig

IMAGE_V1, IMAGE_V2 = "kubemini/busybox:1.35", "kubemini/busybox:1.35-v2"
SERVICE_CIDR, CLUSTER_DNS = "10.97.0.0/24", "10.97.0.10"
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."
CRONJOB_DEADLINE_SECONDS = 150.0  # up to a minute until the next start, then the Job's pod in Docker


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_cluster, "SERVICE_CIDR", SERVICE_CIDR)
        patch.setattr(service_cluster, "CLUSTER_DNS", CLUSTER_DNS)
        running = service_cluster.ServiceCluster(tmp_path_factory.mktemp("workloads-e2e"))
        try:
            yield running.start()
        finally:
            running.stop()


@pytest.fixture(scope="module")
def api(cluster):
    with api_http(base_url=cluster.url, timeout=15) as client:
        yield client


@pytest.fixture(scope="module")
def kubectl(cluster, tmp_path_factory):
    return Kubectl(write_kubeconfig(tmp_path_factory.mktemp("kubeconfig") / "kubeconfig", cluster.url))


@pytest.fixture
def namespace(api):
    name = f"wl-{secrets.token_hex(4)}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    return name


@pytest.fixture(scope="module")
def cronjob_namespace(api, kubectl):
    """A `*/1` CronJob made when the module starts, so its first minute passes while the others run."""
    name = f"wl-cron-{secrets.token_hex(4)}"
    assert api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).status_code == 201
    manifest = f"""
apiVersion: batch/v1
kind: CronJob
metadata: {{name: tick}}
spec:
  schedule: "*/1 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers: [{{name: tick, image: {IMAGE_V1}, command: [sh, -c, "echo tick"]}}]
"""
    kubectl.run("apply", "-n", name, "-f", "-", input_text=manifest)
    return name, time.monotonic()


def wait_for(predicate, *, what: str, timeout: float = 60.0, seen=None):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {seen() if seen else last!r}")


def pods(api, namespace: str, selector: str = "") -> list[dict]:
    params = {"labelSelector": selector} if selector else {}
    return api.get(f"/api/v1/namespaces/{namespace}/pods", params=params).json()["items"]


def test_job_completes_and_kubectl_logs_job(kubectl, namespace, cronjob_namespace):
    kubectl.run(
        "create", "job", "hello", f"--image={IMAGE_V1}", "-n", namespace, "--", "sh", "-c", "echo hello from job"
    )
    kubectl.run("wait", "--for=condition=complete", "job/hello", "-n", namespace, "--timeout=60s")
    assert "hello from job" in kubectl.run("logs", "job/hello", "-n", namespace).stdout
    row = kubectl.run("get", "jobs", "-n", namespace, "--no-headers").stdout.split()
    assert row[:3] == ["hello", "Complete", "1/1"], row


def test_daemonset_runs_on_the_node_and_rolls(api, kubectl, namespace, cluster):
    manifest = f"""
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: agent}}
spec:
  selector: {{matchLabels: {{app: agent}}}}
  template:
    metadata: {{labels: {{app: agent}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: agent, image: {IMAGE_V1}, command: [sleep, "3600"]}}]
"""
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=manifest)
    kubectl.run("rollout", "status", "daemonset/agent", "-n", namespace, "--timeout=60s")
    running = pods(api, namespace, "app=agent")
    assert [p["spec"]["nodeName"] for p in running] == [cluster.node], running
    kubectl.run("set", "image", "daemonset/agent", f"agent={IMAGE_V2}", "-n", namespace)
    kubectl.run("rollout", "status", "daemonset/agent", "-n", namespace, "--timeout=60s")
    images = wait_for(
        lambda: (
            (
                found := [
                    p["spec"]["containers"][0]["image"]
                    for p in pods(api, namespace, "app=agent")
                    if not p["metadata"].get("deletionTimestamp")
                ]
            )
            == [IMAGE_V2]
            and found
        ),
        what="the daemon pod replaced by the new image",
    )
    assert images == [IMAGE_V2]


def test_statefulset_pod_names_resolve_from_another_pod(api, kubectl, namespace):
    assert_local_route(SERVICE_CIDR)
    manifest = f"""
apiVersion: v1
kind: Service
metadata: {{name: web}}
spec:
  clusterIP: None
  selector: {{app: web}}
  ports: [{{port: 80}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: web}}
spec:
  serviceName: web
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: web, image: {IMAGE_V1}, command: [sleep, "3600"]}}]
"""
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=manifest)
    kubectl.run("rollout", "status", "statefulset/web", "-n", namespace, "--timeout=90s")
    web0 = api.get(f"/api/v1/namespaces/{namespace}/pods/web-0").json()
    fqdn = f"web-0.web.{namespace}.svc.cluster.local"
    client = f"""
apiVersion: v1
kind: Pod
metadata: {{name: lookup}}
spec:
  restartPolicy: Never
  containers: [{{name: lookup, image: {IMAGE_V1}, command: [sh, -c, "nslookup {fqdn}"]}}]
"""
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=client)
    wait_for(
        lambda: (
            api.get(f"/api/v1/namespaces/{namespace}/pods/lookup").json()["status"].get("phase")
            in ("Succeeded", "Failed")
        ),
        what="the lookup pod finished",
    )
    output = kubectl.run("logs", "lookup", "-n", namespace).stdout
    assert web0["status"]["podIP"] in output and fqdn in output, output


def test_kubectl_drain_is_refused_by_the_disruption_budget(api, kubectl, namespace, cluster):
    manifest = f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: guarded}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: guarded}}}}
  template:
    metadata: {{labels: {{app: guarded}}}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{{name: app, image: {IMAGE_V1}, command: [sleep, "3600"]}}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {{name: guarded}}
spec:
  minAvailable: 1
  selector: {{matchLabels: {{app: guarded}}}}
"""
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=manifest)
    kubectl.run("rollout", "status", "deployment/guarded", "-n", namespace, "--timeout=60s")
    wait_for(
        lambda: (
            (
                api.get(f"/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/guarded").json().get("status")
                or {}
            ).get("disruptionsAllowed")
            == 1
        ),
        what="the budget allowing 1",
    )
    try:
        result = kubectl.run(
            "drain",
            cluster.node,
            "--pod-selector=app=guarded",
            "--ignore-daemonsets",
            "--delete-emptydir-data",
            "--timeout=8s",  # the refused eviction is retried every 5 s: at least one refusal is printed
            check=False,
        )
        output = result.stdout + result.stderr
        assert result.returncode != 0 and VIOLATION in output, output
        survivors = [
            p
            for p in pods(api, namespace, "app=guarded")
            if p["spec"].get("nodeName") == cluster.node
            and p["status"].get("phase") == "Running"
            and not p["metadata"].get("deletionTimestamp")
        ]
        assert len(survivors) == 1, "one pod evicted, the budget kept the other running on the cordoned node"
    finally:
        kubectl.run("uncordon", cluster.node)


def test_cronjob_every_minute_produces_a_job(api, kubectl, cronjob_namespace):
    namespace, started = cronjob_namespace

    def completed():
        jobs = api.get(f"/apis/batch/v1/namespaces/{namespace}/jobs").json()["items"]
        return [
            j
            for j in jobs
            if any(
                c["type"] == "Complete" and c["status"] == "True"
                for c in (j.get("status") or {}).get("conditions") or []
            )
        ]

    left = CRONJOB_DEADLINE_SECONDS - (time.monotonic() - started)
    done = wait_for(
        completed,
        what="a Job of the */1 CronJob Complete",
        timeout=max(left, 5.0),
        seen=lambda: api.get(f"/apis/batch/v1/namespaces/{namespace}/cronjobs/tick").json().get("status"),
    )
    job = done[0]
    assert job["metadata"]["name"].startswith("tick-") and job["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    assert "tick" in kubectl.run("logs", f"job/{job['metadata']['name']}", "-n", namespace).stdout
