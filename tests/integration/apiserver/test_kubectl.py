"""The real kubectl v1.35 against the real apiserver."""

from __future__ import annotations

import json
import time

import pytest
import yaml

from tests.support.kubectl import Kubectl, write_kubeconfig

DEPLOYMENT_YAML = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: kubemini/busybox:1.35
        command: ["httpd", "-f", "-p", "8080"]
        env:
        - {name: GREETING, value: "IMAGE_VALUE"}
"""


@pytest.fixture
def kubectl(apiserver, tmp_path, namespace):
    client = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))
    client.namespace = namespace
    return client


def test_api_resources_lists_short_names(kubectl):
    output = kubectl.run("api-resources").stdout
    for line in ("deployments", "deploy", "pods", "po", "services", "svc", "leases"):
        assert line in output


def test_apply_twice_then_label_scale_patch_and_delete(kubectl, tmp_path):
    ns = kubectl.namespace
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(DEPLOYMENT_YAML.replace("IMAGE_VALUE", "hello"))
    assert "created" in kubectl.run("apply", "-n", ns, "-f", str(manifest)).stdout
    assert "unchanged" in kubectl.run("apply", "-n", ns, "-f", str(manifest)).stdout
    manifest.write_text(DEPLOYMENT_YAML.replace("IMAGE_VALUE", "bonjour"))
    assert "configured" in kubectl.run("apply", "-n", ns, "-f", str(manifest)).stdout
    got = json.loads(kubectl.run("get", "-n", ns, "deploy", "web", "-o", "json").stdout)
    assert got["spec"]["template"]["spec"]["containers"][0]["env"] == [{"name": "GREETING", "value": "bonjour"}]
    assert got["metadata"]["generation"] == 2

    kubectl.run("label", "-n", ns, "deploy", "web", "tier=frontend")
    kubectl.run("scale", "-n", ns, "deploy", "web", "--replicas=4")
    kubectl.run("patch", "-n", ns, "deploy", "web", "-p", '{"spec":{"minReadySeconds":3}}')
    kubectl.run("set", "image", "-n", ns, "deploy/web", "web=kubemini/busybox:1.35-v2")
    got = yaml.safe_load(kubectl.run("get", "-n", ns, "deploy", "web", "-o", "yaml").stdout)
    assert got["metadata"]["labels"] == {"app": "web", "tier": "frontend"}
    assert got["spec"]["replicas"] == 4 and got["spec"]["minReadySeconds"] == 3
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == "kubemini/busybox:1.35-v2"

    table = kubectl.run("get", "-n", ns, "deploy").stdout.splitlines()
    assert table[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert table[1].split()[:2] == ["web", "0/4"]

    kubectl.run("delete", "-n", ns, "deploy", "web")
    missing = kubectl.run("get", "-n", ns, "deploy", "web", check=False)
    assert missing.returncode != 0 and "NotFound" in missing.stderr


def test_create_from_file_and_get_pods_table(kubectl, tmp_path):
    ns = kubectl.namespace
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "solo"},
        "spec": {"containers": [{"name": "main", "image": "kubemini/busybox:1.35", "command": ["sleep", "3600"]}]},
    }
    (tmp_path / "pod.json").write_text(json.dumps(pod))
    kubectl.run("create", "-n", ns, "-f", str(tmp_path / "pod.json"))
    rows = kubectl.run("get", "-n", ns, "pods").stdout.splitlines()
    assert rows[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert rows[1].split()[:4] == ["solo", "0/1", "Pending", "0"]
    duplicate = kubectl.run("create", "-n", ns, "-f", str(tmp_path / "pod.json"), check=False)
    assert duplicate.returncode != 0 and "AlreadyExists" in duplicate.stderr


def test_invalid_manifest_is_refused_with_the_field(kubectl, tmp_path):
    bad = DEPLOYMENT_YAML.replace("matchLabels: {app: web}", "matchLabels: {app: other}")
    (tmp_path / "bad.yaml").write_text(bad)
    result = kubectl.run("apply", "-n", kubectl.namespace, "-f", str(tmp_path / "bad.yaml"), check=False)
    assert result.returncode != 0
    assert "spec.template.metadata.labels" in result.stderr


def test_get_watch_prints_changes(kubectl, tmp_path):
    ns = kubectl.namespace
    (tmp_path / "cm.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: watched}\ndata: {a: '1'}\n")
    kubectl.run("apply", "-n", ns, "-f", str(tmp_path / "cm.yaml"))
    watcher = kubectl.popen("get", "-n", ns, "configmaps", "-w", "--request-timeout=20s")
    try:
        time.sleep(1.0)  # let the watch open before the change it must observe
        kubectl.run("label", "-n", ns, "configmap", "watched", "seen=yes")
        kubectl.run("delete", "-n", ns, "configmap", "watched")
        deadline = time.monotonic() + 20
        lines: list[str] = []
        while time.monotonic() < deadline and len([line for line in lines if line.startswith("watched")]) < 2:
            line = watcher.stdout.readline()
            if not line:
                break
            lines.append(line)
        assert len([line for line in lines if line.startswith("watched")]) >= 2, lines
    finally:
        watcher.kill()
        watcher.wait()
