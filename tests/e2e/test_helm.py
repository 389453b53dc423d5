"""Helm 4 with its default settings (server-side apply, kstatus waits) on a whole cluster in real Docker.

examples/helm-web: ConfigMap, ServiceAccount, Deployment (readiness probe), Service, test hook Pod
install --wait → upgrade --wait (new greeting, 2 replicas) → history → test (the hook pod fetches the
greeting through the Service's DNS name) → rollback 1 --wait → uninstall --wait
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
from pathlib import Path

import pytest

from tests.e2e.services import cluster as service_cluster
from tests.support.api_http import api_http
from tests.support.kubectl import write_kubeconfig
from tests.support.processes import REPO_ROOT

HELM = Path(os.environ.get("KUBEMINI_HELM") or REPO_ROOT / ".cache" / "bin" / "helm")
CHART = REPO_ROOT / "examples" / "helm-web"
SERVICE_CIDR, CLUSTER_DNS = "10.100.0.0/24", "10.100.0.10"
HELM_TIMEOUT = "120s"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(service_cluster, "SERVICE_CIDR", SERVICE_CIDR)
        patch.setattr(service_cluster, "CLUSTER_DNS", CLUSTER_DNS)
        running = service_cluster.ServiceCluster(tmp_path_factory.mktemp("helm-e2e"))
        try:
            yield running.start()
        finally:
            running.stop()


@pytest.fixture(scope="module")
def helm(cluster, tmp_path_factory):
    assert HELM.exists(), f"{HELM} missing: run deploy/setup_host.sh"
    home = tmp_path_factory.mktemp("helm-home")
    kubeconfig = write_kubeconfig(home / "kubeconfig", cluster.url)
    env = {**os.environ, "KUBECONFIG": str(kubeconfig), "HELM_CACHE_HOME": str(home / "cache")}
    env |= {"HELM_CONFIG_HOME": str(home / "config"), "HELM_DATA_HOME": str(home / "data")}
    namespace = f"helm-{secrets.token_hex(3)}"

    def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(HELM), *args, "--namespace", namespace], env=env, capture_output=True, text=True, timeout=300
        )
        if check and result.returncode != 0:
            raise AssertionError(f"helm {' '.join(args)} failed ({result.returncode}):\n{result.stderr}{result.stdout}")
        return result

    run.namespace = namespace
    return run


def test_install_upgrade_test_rollback_uninstall_with_helm_defaults(cluster, helm):
    namespace = helm.namespace
    api = api_http(base_url=cluster.url, timeout=15)
    deployment = f"/apis/apps/v1/namespaces/{namespace}/deployments/demo-web"
    content = f"/api/v1/namespaces/{namespace}/configmaps/demo-content"

    helm("install", "demo", str(CHART), "--create-namespace", "--wait", "--timeout", HELM_TIMEOUT)
    installed = api.get(deployment).json()
    assert installed["status"]["availableReplicas"] == 1
    managers = {(e["manager"], e["operation"]) for e in installed["metadata"]["managedFields"]}
    assert ("helm", "Apply") in managers, f"Helm 4 installs with server-side apply: {managers}"

    helm(
        "upgrade", "demo", str(CHART), "--set", "greeting=bonjour", "--set", "replicas=2",
        "--wait", "--timeout", HELM_TIMEOUT,
    )  # fmt: skip
    assert api.get(content).json()["data"]["index.html"] == "bonjour"
    assert api.get(deployment).json()["status"]["readyReplicas"] == 2
    history = json.loads(helm("history", "demo", "-o", "json").stdout)
    assert [(h["revision"], h["status"]) for h in history] == [(1, "superseded"), (2, "deployed")]

    tested = helm("test", "demo", "--timeout", HELM_TIMEOUT)
    assert "Phase:          Succeeded" in tested.stdout

    helm("rollback", "demo", "1", "--wait", "--timeout", HELM_TIMEOUT)
    assert api.get(content).json()["data"]["index.html"] == "hello"
    assert api.get(deployment).json()["spec"]["replicas"] == 1
    assert json.loads(helm("history", "demo", "-o", "json").stdout)[-1]["revision"] == 3

    helm("uninstall", "demo", "--wait", "--timeout", HELM_TIMEOUT)
    for path in (deployment, content, f"/api/v1/namespaces/{namespace}/services/demo-web"):
        assert api.get(path).status_code == 404, path
    assert helm("status", "demo", check=False).returncode != 0
