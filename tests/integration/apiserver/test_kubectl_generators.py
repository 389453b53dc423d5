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
    type_meta = b"\x0a\x0eexample.com/v1\x12\x04Blob"
    unknown_kind = b"k8s\x00" + b"\x0a" + bytes([len(type_meta)]) + type_meta + b"\x12\x00"
    widget = api.post(url, content=unknown_kind, headers=headers)
    assert widget.status_code == 415 and widget.json()["reason"] == "UnsupportedMediaType", widget.text
    job = api.post(url, content=(FIXTURES / "job_unsupported.bin").read_bytes(), headers=headers)
    assert job.status_code == 400 and "does not match the path" in job.json()["message"], job.text


def test_every_other_generator_creates_what_kubectl_meant(kubectl, namespace):
    """job, cronjob, role(binding), clusterrole(binding), quota, pdb, priorityclass, ingress, autoscale."""
    ns = ("-n", namespace)
    suffix = secrets.token_hex(3)
    kubectl.run("create", "job", "j1", f"--image={IMAGE}", *ns, "--", "echo", "hi")
    job = get_json(kubectl, "job", "j1", *ns)
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 6
    kubectl.run("create", "cronjob", "cj1", f"--image={IMAGE}", "--schedule=*/5 * * * *", *ns, "--", "date")
    assert get_json(kubectl, "cronjob", "cj1", *ns)["spec"]["schedule"] == "*/5 * * * *"
    kubectl.run("create", "job", "from-cj", "--from=cronjob/cj1", *ns)
    owner = get_json(kubectl, "job", "from-cj", *ns)["metadata"]["ownerReferences"][0]
    assert (owner["kind"], owner["name"]) == ("CronJob", "cj1")
    kubectl.run("create", "role", "r1", "--verb=get,list", "--resource=pods", *ns)
    assert get_json(kubectl, "role", "r1", *ns)["rules"][0]["verbs"] == ["get", "list"]
    kubectl.run("create", "rolebinding", "rb1", "--role=r1", "--user=alice", f"--serviceaccount={namespace}:sa1", *ns)
    subjects = get_json(kubectl, "rolebinding", "rb1", *ns)["subjects"]
    assert {(s["kind"], s["name"]) for s in subjects} == {("User", "alice"), ("ServiceAccount", "sa1")}
    kubectl.run("create", "clusterrole", f"cr-{suffix}", "--verb=get", "--resource=nodes")
    kubectl.run("create", "clusterrolebinding", f"crb-{suffix}", f"--clusterrole=cr-{suffix}", "--group=devs")
    assert get_json(kubectl, "clusterrolebinding", f"crb-{suffix}")["roleRef"]["name"] == f"cr-{suffix}"
    kubectl.run("create", "quota", "q1", "--hard=pods=10,requests.cpu=2", *ns)
    assert get_json(kubectl, "quota", "q1", *ns)["spec"]["hard"] == {"pods": "10", "requests.cpu": "2"}
    kubectl.run("create", "pdb", "pdb1", "--selector=app=web", "--min-available=1", *ns)
    assert get_json(kubectl, "pdb", "pdb1", *ns)["spec"]["minAvailable"] == 1
    kubectl.run("create", "priorityclass", f"pc-{suffix}", "--value=100")
    assert get_json(kubectl, "priorityclass", f"pc-{suffix}")["value"] == 100
    kubectl.run("create", "ingress", "ing1", "--rule=foo.com/bar=svc1:80", *ns)
    rule = get_json(kubectl, "ingress", "ing1", *ns)["spec"]["rules"][0]
    assert rule["host"] == "foo.com" and rule["http"]["paths"][0]["backend"]["service"]["port"]["number"] == 80
    kubectl.run("create", "deployment", "scaled", f"--image={IMAGE}", "--replicas=0", *ns)
    assert get_json(kubectl, "deployment", "scaled", *ns)["spec"]["replicas"] == 0, "a pointer's 0 is kept"
    kubectl.run("autoscale", "deployment", "scaled", "--max=5", "--cpu=70%", *ns)
    metric = get_json(kubectl, "hpa", "scaled", *ns)["spec"]["metrics"][0]
    assert metric["resource"]["target"] == {"type": "Utilization", "averageUtilization": 70}
