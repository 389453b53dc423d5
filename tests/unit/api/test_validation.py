"""Semantic validation through each kind's strategy, as the apiserver runs it (after defaulting)."""

import copy

from kubemini.api import registry
from kubemini.api.defaults import default_pull_policy, qos_class
from kubemini.api.kinds.checking import validate_object


def _deployment() -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": "i:1"}]},
            },
        },
    }


def _fields(kind: str, obj: dict, old: dict | None = None) -> set[str]:
    record = registry.by_kind(kind)
    record.strategy.default(obj)
    return {e.field for e in validate_object(record, obj, old=old).errors}


def test_valid_deployment_has_no_errors():
    assert _fields("Deployment", _deployment()) == set()


def test_deployment_rules():
    obj = _deployment()
    obj["spec"]["replicas"] = -1
    obj["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "0%"}}
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert _fields("Deployment", obj) == {
        "spec.replicas",
        "spec.strategy.rollingUpdate.maxUnavailable",
        "spec.template.spec.restartPolicy",
    }


def test_deployment_without_selector_is_refused_as_in_apps_v1():
    obj = _deployment()
    del obj["spec"]["selector"]
    assert "spec.selector" in _fields("Deployment", obj)


def test_immutable_selector_on_update():
    old = _deployment()
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web", "x": "y"}}
    new["spec"]["template"]["metadata"]["labels"]["x"] = "y"
    assert "spec.selector" in _fields("Deployment", new, old)


def test_pod_containers_rules():
    pod = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {
            "containers": [
                {"name": "a", "image": "x", "ports": [{"containerPort": 70000}]},
                {"name": "a", "image": "y", "env": [{"name": "1 bad"}]},
            ],
            "dnsPolicy": "Sometimes",
        },
    }
    assert _fields("Pod", pod) == {
        "spec.containers[0].ports[0].containerPort",
        "spec.containers[1].name",
        "spec.containers[1].env[0].name",
        "spec.dnsPolicy",
    }
    assert _fields("Pod", {"metadata": {"name": "p", "namespace": "default"}, "spec": {}}) == {"spec.containers"}


def test_required_fields_come_from_the_schema():
    pod = {"metadata": {"name": "p", "namespace": "default"}, "spec": {"containers": [{"image": "x"}]}}
    assert "spec.containers[0].name" in _fields("Pod", pod)
    binding_less_env = {
        "metadata": {"name": "p", "namespace": "default"},
        "spec": {"containers": [{"name": "c", "image": "x", "ports": [{"name": "web"}]}]},
    }
    assert "spec.containers[0].ports[0].containerPort" in _fields("Pod", binding_less_env)


def test_service_rules():
    service = {
        "metadata": {"name": "Svc", "namespace": "default"},
        "spec": {"type": "Magic", "ports": [{"port": 80}, {"port": 0, "name": "b"}]},
    }
    assert _fields("Service", service) == {
        "metadata.name",
        "spec.type",
        "spec.ports[0].name",
        "spec.ports[1].port",
        "spec.ports[1].targetPort",  # defaulted from the port, so it is as wrong, as in Kubernetes
    }


def test_metadata_rules():
    obj = {"metadata": {"name": "ok", "labels": {"bad key!": "v", "k": "-bad"}}}
    assert _fields("ConfigMap", obj) == {"metadata.namespace", "metadata.labels"}


def test_cronjob_schedule_and_time_zone():
    cronjob = {
        "metadata": {"name": "c", "namespace": "default"},
        "spec": {
            "schedule": "61 * * * *",
            "timeZone": "Mars/Olympus",
            "jobTemplate": {
                "spec": {
                    "template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "i"}]}}
                }
            },
        },
    }
    assert _fields("CronJob", cronjob) == {"spec.schedule", "spec.timeZone"}


def test_pull_policy_and_qos_defaults():
    assert default_pull_policy("busybox") == "Always"
    assert default_pull_policy("busybox:latest") == "Always"
    assert default_pull_policy("registry:5000/busybox") == "Always"
    assert default_pull_policy("busybox:1.35") == "IfNotPresent"
    assert default_pull_policy("busybox@sha256:abc") == "IfNotPresent"
    strategy = registry.by_kind("Pod").strategy
    guaranteed = {"spec": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}}
    strategy.default(guaranteed)
    assert strategy.initial_status(guaranteed)["qosClass"] == "Guaranteed"
    assert qos_class({"containers": [{"resources": {"requests": {"cpu": "1"}}}]}) == "Burstable"
    assert qos_class({"containers": [{}]}) == "BestEffort"
