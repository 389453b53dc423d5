"""The official `kubernetes` Python client: typed calls and watch streams."""

from __future__ import annotations

import pytest
from kubernetes import client, watch


@pytest.fixture
def api_client(apiserver):
    configuration = apiserver.kubernetes_configuration()
    with client.ApiClient(configuration) as api:
        yield api


def _pod(name: str) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(name=name, labels={"app": "py"}),
        spec=client.V1PodSpec(containers=[client.V1Container(name="main", image="kubemini/busybox:1.35")]),
    )


def test_typed_crud_and_errors(api_client, namespace):
    core = client.CoreV1Api(api_client)
    created = core.create_namespaced_pod(namespace, _pod("typed"))
    assert created.metadata.uid and created.spec.restart_policy == "Always"
    listed = core.list_namespaced_pod(namespace, label_selector="app=py")
    assert [p.metadata.name for p in listed.items] == ["typed"]
    with pytest.raises(client.ApiException) as conflict:
        core.create_namespaced_pod(namespace, _pod("typed"))
    assert conflict.value.status == 409
    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_pod("nope", namespace)
    assert missing.value.status == 404
    core.patch_namespaced_pod("typed", namespace, {"metadata": {"labels": {"patched": "yes"}}})
    assert core.read_namespaced_pod("typed", namespace).metadata.labels == {"app": "py", "patched": "yes"}
    core.delete_namespaced_pod("typed", namespace)
    with pytest.raises(client.ApiException):
        core.read_namespaced_pod("typed", namespace)


def test_apps_scale_and_watch_stream(api_client, namespace):
    apps = client.AppsV1Api(api_client)
    body = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="py-deploy"),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": "py"}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": "py"}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="kubemini/busybox:1.35")]),
            ),
        ),
    )
    apps.create_namespaced_deployment(namespace, body)
    scale = apps.patch_namespaced_deployment_scale("py-deploy", namespace, {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3
    core = client.CoreV1Api(api_client)
    core.create_namespaced_config_map(namespace, client.V1ConfigMap(metadata=client.V1ObjectMeta(name="w1")))
    seen = []
    stream = watch.Watch().stream(core.list_namespaced_config_map, namespace, timeout_seconds=2)
    for event in stream:
        seen.append((event["type"], event["object"].metadata.name))
    assert ("ADDED", "w1") in seen
