"""kubectl's typed generators (`kubectl create deployment|service|secret|...`) against the real apiserver.

These commands POST Kubernetes protobuf, not JSON, and do not fall back on 415: each one here
only passes if the apiserver decodes the body into the object kubectl meant.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from apiserver.protobuf import PROTOBUF_MEDIA_TYPE
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.unit.apiserver.test_protobuf import body, msg, text

IMAGE = "kubemini/busybox:1.35"
FIXTURES = Path(__file__).parents[2] / "unit" / "apiserver" / "protobuf_fixtures"


@pytest.fixture
def kubectl(apiserver, tmp_path):
    return Kubectl(write_kubeconfig(tmp_path / "kc", apiserver.url))


def get_json(kubectl: Kubectl, *args: str) -> dict:
    return json.loads(kubectl.run("get", *args, "-o", "json").stdout)


def test_create_namespace(kubectl):
    name = f"gen-{secrets.token_hex(4)}"
    assert f"namespace/{name} created" in kubectl.run("create", "namespace", name).stdout
    got = get_json(kubectl, "namespace", name)
    assert got["kind"] == "Namespace" and got["metadata"]["name"] == name
    assert got["metadata"]["uid"] and got["metadata"]["creationTimestamp"]


def test_create_deployment_with_replicas_and_port(kubectl, namespace):
    out = kubectl.run("create", "deployment", "d1", f"--image={IMAGE}", "--replicas=3", "--port=80", "-n", namespace)
    assert "deployment.apps/d1 created" in out.stdout
    got = get_json(kubectl, "deployment", "d1", "-n", namespace)
    assert got["metadata"]["labels"] == {"app": "d1"}
    assert got["spec"]["replicas"] == 3
    assert got["spec"]["selector"] == {"matchLabels": {"app": "d1"}}
    assert got["spec"]["template"]["metadata"]["labels"] == {"app": "d1"}
    [container] = got["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "busybox" and container["image"] == IMAGE
    assert [port["containerPort"] for port in container["ports"]] == [80]


def test_create_deployment_defaults_to_one_replica(kubectl, namespace):
    kubectl.run("create", "deployment", "d2", f"--image={IMAGE}", "-n", namespace)
    got = get_json(kubectl, "deployment", "d2", "-n", namespace)
    assert got["spec"]["replicas"] == 1
    assert got["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGE


@pytest.mark.parametrize("service_type", ["clusterip", "nodeport"])
def test_create_service(kubectl, namespace, service_type):
    out = kubectl.run("create", "service", service_type, "s1", "--tcp=80:8080", "-n", namespace)
    assert "service/s1 created" in out.stdout
    got = get_json(kubectl, "service", "s1", "-n", namespace)
    assert got["spec"]["type"] == {"clusterip": "ClusterIP", "nodeport": "NodePort"}[service_type]
    assert got["spec"]["selector"] == {"app": "s1"}
    [port] = got["spec"]["ports"]
    assert (port["name"], port["protocol"], port["port"], port["targetPort"]) == ("80-8080", "TCP", 80, 8080)


def test_create_secret_generic(kubectl, namespace):
    assert (
        "secret/s created"
        in kubectl.run("create", "secret", "generic", "s", "--from-literal=a=b", "-n", namespace).stdout
    )
    got = get_json(kubectl, "secret", "s", "-n", namespace)
    assert got["data"] == {"a": "Yg=="}


def test_create_configmap(kubectl, namespace):
    assert (
        "configmap/c created" in kubectl.run("create", "configmap", "c", "--from-literal=a=b", "-n", namespace).stdout
    )
    got = get_json(kubectl, "configmap", "c", "-n", namespace)
    assert got["data"] == {"a": "b"}


def test_create_serviceaccount(kubectl, namespace):
    assert "serviceaccount/sa1 created" in kubectl.run("create", "serviceaccount", "sa1", "-n", namespace).stdout
    got = get_json(kubectl, "serviceaccount", "sa1", "-n", namespace)
    assert got["kind"] == "ServiceAccount" and got["metadata"]["namespace"] == namespace


def test_generator_conflict_is_reported_like_kubernetes(kubectl, namespace):
    kubectl.run("create", "configmap", "dup", "--from-literal=a=b", "-n", namespace)
    again = kubectl.run("create", "configmap", "dup", "--from-literal=a=b", "-n", namespace, check=False)
    assert again.returncode != 0 and 'configmaps "dup" already exists' in again.stderr


def test_malformed_protobuf_is_400_and_unknown_kind_is_415(api, namespace):
    url = f"/api/v1/namespaces/{namespace}/configmaps"
    headers = {"Content-Type": PROTOBUF_MEDIA_TYPE}
    garbage = api.post(url, content=b"k8s\x00\x0a\xff", headers=headers)
    assert garbage.status_code == 400 and garbage.json()["reason"] == "BadRequest"
    cronjob = api.post(url, content=body("batch/v1", "CronJob", msg(1, text(1, "nightly"))), headers=headers)
    assert cronjob.status_code == 415 and cronjob.json()["reason"] == "UnsupportedMediaType"
