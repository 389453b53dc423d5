"""Server-side apply as kubectl and the official Python client use it, against the real apiserver."""

from __future__ import annotations

import json

import pytest
import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.support.kubectl import Kubectl, write_kubeconfig

MANIFEST = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: kubemini/busybox:1.35
"""


@pytest.fixture
def kubectl(apiserver, tmp_path, namespace):
    tool = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))
    tool.namespace = namespace
    return tool


def _apply(kubectl, manifest: str, *extra: str, check: bool = True):
    arguments = ("apply", "--server-side", "-n", kubectl.namespace, *extra, "-f", "-")
    return kubectl.run(*arguments, input_text=manifest, check=check)


def _get(kubectl) -> dict:
    shown = kubectl.run("get", "deployment", "web", "-n", kubectl.namespace, "-o", "json", "--show-managed-fields")
    return json.loads(shown.stdout)


def _managers(obj: dict) -> dict[tuple[str, str, str], dict]:
    return {(e["manager"], e["operation"], e.get("subresource", "")): e for e in obj["metadata"]["managedFields"]}


def test_apply_creates_reapplies_unchanged_and_shows_managed_fields(kubectl):
    assert "serverside-applied" in _apply(kubectl, MANIFEST).stdout
    first = _get(kubectl)
    _apply(kubectl, MANIFEST)
    again = _get(kubectl)
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"], "re-apply wrote nothing"
    entry = _managers(again)[("kubectl", "Apply", "")]
    assert entry["fieldsV1"]["f:spec"]["f:replicas"] == {}
    assert entry["fieldsV1"]["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"web"}']["f:image"] == {}
    assert "f:strategy" not in entry["fieldsV1"]["f:spec"], "defaulted fields belong to nobody"


def test_two_managers_conflict_until_one_forces(kubectl):
    _apply(kubectl, MANIFEST)
    kubectl.run("scale", "deployment", "web", "--replicas=3", "-n", kubectl.namespace)
    conflict = _apply(kubectl, MANIFEST, check=False)
    assert conflict.returncode != 0
    assert 'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale"' in conflict.stderr
    assert ".spec.replicas" in conflict.stderr
    _apply(kubectl, MANIFEST, "--force-conflicts")
    forced = _get(kubectl)
    assert forced["spec"]["replicas"] == 2
    assert ("kubectl", "Update", "scale") not in _managers(forced), "force took its only field"


def test_a_field_the_applier_drops_is_removed_and_diff_shows_changes(kubectl):
    _apply(kubectl, MANIFEST)
    smaller = MANIFEST.replace(", tier: front", "").replace("  replicas: 2\n", "")
    diff = kubectl.run("diff", "--server-side", "-n", kubectl.namespace, "-f", "-", input_text=smaller, check=False)
    assert diff.returncode == 1 and "-    tier: front" in diff.stdout
    _apply(kubectl, smaller)
    applied = _get(kubectl)
    assert applied["metadata"]["labels"] == {"app": "web"}
    assert applied["spec"]["replicas"] == 1, "a field nobody owns any more returns to its default"


def test_client_side_apply_upgrades_to_server_side_apply(kubectl):
    kubectl.run("apply", "-n", kubectl.namespace, "-f", "-", input_text=MANIFEST)
    _apply(kubectl, MANIFEST.replace("replicas: 2", "replicas: 4"))
    upgraded = _get(kubectl)
    assert upgraded["spec"]["replicas"] == 4
    last = json.loads(upgraded["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert last["spec"]["replicas"] == 4, "the client-side annotation follows the server-side apply"


def test_the_python_client_applies_with_a_field_manager(apiserver, namespace):
    configuration = apiserver.kubernetes_configuration()
    with client.ApiClient(configuration) as api_client:
        apps = client.AppsV1Api(api_client)
        body = yaml.safe_load(MANIFEST)
        made = apps.patch_namespaced_deployment(
            "web", namespace, body, field_manager="py-operator", _content_type="application/apply-patch+yaml"
        )
        assert made.spec.replicas == 2
        assert [(m.manager, m.operation) for m in made.metadata.managed_fields] == [("py-operator", "Apply")]
        body["spec"]["replicas"] = 5
        with pytest.raises(ApiException) as caught:
            apps.patch_namespaced_deployment(
                "web", namespace, body, field_manager="other", _content_type="application/apply-patch+yaml"
            )
        assert caught.value.status == 409
        assert json.loads(caught.value.body)["details"]["causes"][0]["field"] == ".spec.replicas"
        status = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"}}
        status["status"] = {"observedGeneration": 1, "replicas": 0}
        updated = apps.patch_namespaced_deployment_status(
            "web", namespace, status, field_manager="py-status", _content_type="application/apply-patch+yaml"
        )
        entries = {(m.manager, m.subresource) for m in updated.metadata.managed_fields}
        assert ("py-status", "status") in entries
