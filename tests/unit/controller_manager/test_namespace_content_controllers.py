"""serviceaccount and root-ca-cert-publisher with a recording fake client."""

from __future__ import annotations

import base64

import yaml

from controller_manager.root_ca_publisher import RootCACertPublisher
from controller_manager.serviceaccount import ServiceAccountsController
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers


def namespace(name: str, **meta) -> dict:
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, **meta}, "status": {"phase": "Active"}}


async def test_default_service_account_created_only_where_missing_and_never_in_a_terminating_namespace():
    client = FakeClient()
    controller = ServiceAccountsController(client, shared_informers(client))  # type: ignore[arg-type]
    fill(
        controller.namespaces,
        namespace("a"),
        namespace("b"),
        namespace("gone", deletionTimestamp="2026-01-01T00:00:00Z"),
    )
    fill(controller.accounts, {"metadata": {"name": "default", "namespace": "b"}})
    for key in ("a", "b", "gone"):
        await controller.reconcile(key)
    assert client.of("create") == [("create", "ServiceAccount", "a/default")]


async def test_root_ca_publisher_without_a_file_publishes_the_ca_of_cluster_info():
    client = FakeClient()
    controller = RootCACertPublisher(client, shared_informers(client), root_ca_file=None)  # type: ignore[arg-type]
    fill(controller.namespaces, namespace("a"))
    assert await controller.reconcile("a") is None and client.actions == [], "no CA published yet: nothing to do"
    kubeconfig = yaml.safe_dump(
        {"clusters": [{"name": "", "cluster": {"certificate-authority-data": base64.b64encode(b"PEM").decode()}}]}
    )
    info_meta = {"name": "cluster-info", "namespace": "kube-public"}
    cluster_info = {"metadata": info_meta, "data": {"kubeconfig": kubeconfig}}
    fill(controller.cluster_info, cluster_info)
    await controller.reconcile("a")
    assert client.of("create") == [("create", "ConfigMap", "a/kube-root-ca.crt")]
    assert client.bodies[-1]["data"] == {"ca.crt": "PEM"}


async def test_root_ca_publisher_creates_and_repairs(tmp_path):
    ca = tmp_path / "ca.crt"
    ca.write_text("PEM")
    client = FakeClient()
    controller = RootCACertPublisher(client, shared_informers(client), root_ca_file=str(ca))  # type: ignore[arg-type]
    fill(controller.namespaces, namespace("a"), namespace("b"))
    fill(
        controller.config_maps,
        {"metadata": {"name": "kube-root-ca.crt", "namespace": "b", "resourceVersion": "3"}, "data": {"ca.crt": "old"}},
    )
    await controller.reconcile("a")
    await controller.reconcile("b")
    assert client.of("create") == [("create", "ConfigMap", "a/kube-root-ca.crt")]
    assert client.of("update") == [("update", "ConfigMap", "b/kube-root-ca.crt")]
    assert client.bodies[-1]["data"] == {"ca.crt": "PEM"}
