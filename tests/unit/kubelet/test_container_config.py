"""Pod spec → runtime config: environment (fieldRef, ConfigMaps, $(VAR)), resources, names, labels."""

from __future__ import annotations

import base64

import pytest

from kubelet.container_config import container_config, pod_hostname, sandbox_config, spec_hash
from kubelet.environment import ConfigError, EnvironmentBuilder, expand
from kubelet.runtime import labels as label_keys
from tests.unit.kubelet.fakes import NODE, FakeApi, make_pod


def test_expand_follows_kubernetes_rules():
    env = {"A": "1", "B": "two"}
    assert expand("$(A)-$(B)-$(C)", env) == "1-two-$(C)"
    assert expand("$$(A) costs $$5", env) == "$(A) costs $5"


async def test_environment_from_values_field_refs_resources_configmaps_and_secrets():
    api = FakeApi(
        {
            ("ConfigMap", "default", "settings"): {"data": {"MODE": "fast", "LEVEL": "3"}},
            ("Secret", "default", "creds"): {"data": {"TOKEN": base64.b64encode(b"s3cret").decode()}},
        }
    )
    pod = make_pod()
    pod["metadata"]["labels"] = {"app": "web"}
    container = {
        "name": "app",
        "image": "i",
        "resources": {"limits": {"memory": "64Mi", "cpu": "250m"}},
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}],
        "env": [
            {"name": "GREETING", "value": "hi"},
            {"name": "MESSAGE", "value": "$(GREETING) from $(POD)"},
            {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
            {"name": "IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
            {"name": "HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
            {"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
            {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
            {"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
            {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu"}}},
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "TOKEN"}}},
            {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "absent", "key": "x", "optional": True}}},
        ],
    }
    env = await EnvironmentBuilder(api, pod, pod_ip="172.19.0.5", host_ip="127.0.0.1").build(container)  # type: ignore[arg-type]
    assert env == {
        "CFG_MODE": "fast",
        "CFG_LEVEL": "3",
        "GREETING": "hi",
        "MESSAGE": "hi from $(POD)",  # POD is defined after MESSAGE: left as written, like Kubernetes
        "POD": "web",
        "NS": "default",
        "IP": "172.19.0.5",
        "HOST": "127.0.0.1",
        "NODE": NODE,
        "APP": "web",
        "MEM": "64",
        "CPU": "1",
        "TOKEN": "s3cret",
    }


async def test_missing_required_config_map_key_is_a_config_error():
    container = {"name": "app", "env": [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]}
    with pytest.raises(ConfigError, match='configmap "nope" not found'):
        await EnvironmentBuilder(FakeApi(), make_pod(), pod_ip="", host_ip="").build(container)  # type: ignore[arg-type]


def test_container_config_maps_command_args_resources_and_labels():
    pod = make_pod()
    container = {
        "name": "app",
        "image": "kubemini/busybox:1.35",
        "command": ["sh", "-c"],
        "args": ["echo $(WHO)"],
        "workingDir": "/tmp",
        "resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "16Mi"}},
    }
    config = container_config(pod, container, node=NODE, sandbox_id="sb", env={"WHO": "me"}, restart_count=3)
    assert config.command == ["sh", "-c"] and config.args == ["echo me"] and config.working_dir == "/tmp"
    assert (config.cpu_request_millis, config.cpu_limit_millis) == (500, 1000)
    assert config.memory_limit_bytes == 16 * 2**20
    assert config.name == f"k8s_app_web_default_{pod['metadata']['uid'][:8]}_3"
    assert config.labels[label_keys.RESTART_COUNT] == "3"
    assert config.labels[label_keys.SPEC_HASH] == spec_hash(container)
    assert config.sandbox_id == "sb"


def test_sandbox_config_uses_the_pod_name_as_hostname():
    pod = make_pod("x" * 70 + "-y")
    config = sandbox_config(pod, node=NODE, image="kubemini/pause:3.9", network="kubemini", attempt=0)
    assert config.hostname == "x" * 63 and pod_hostname(make_pod("web")) == "web"
    assert config.labels[label_keys.CONTAINER] == label_keys.SANDBOX_CONTAINER
    assert config.network == "kubemini"
