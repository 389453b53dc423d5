import copy

from kubemini.api.defaults import apply_defaults, default_pull_policy, qos_class
from kubemini.api.validation import validate


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
    return {e.field for e in validate(kind, obj, namespaced=True, old=old).errors}


def test_valid_deployment_has_no_errors():
    obj = _deployment()
    apply_defaults("Deployment", obj)
    assert _fields("Deployment", obj) == set()


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


def test_service_rules():
    service = {
        "metadata": {"name": "Svc", "namespace": "default"},
        "spec": {"type": "Magic", "ports": [{"port": 80}, {"port": 0, "name": "b"}]},
    }
    assert _fields("Service", service) == {"metadata.name", "spec.type", "spec.ports[0].name", "spec.ports[1].port"}


def test_metadata_rules():
    obj = {"metadata": {"name": "ok", "labels": {"bad key!": "v", "k": "-bad"}, "annotations": {"a": 1}}}
    assert _fields("ConfigMap", obj) == {"metadata.namespace", "metadata.labels", "metadata.annotations.a"}


def test_pull_policy_and_qos_defaults():
    assert default_pull_policy("busybox") == "Always"
    assert default_pull_policy("busybox:latest") == "Always"
    assert default_pull_policy("registry:5000/busybox") == "Always"
    assert default_pull_policy("busybox:1.35") == "IfNotPresent"
    assert default_pull_policy("busybox@sha256:abc") == "IfNotPresent"
    guaranteed = {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}
    apply_defaults("Pod", pod := {"spec": copy.deepcopy(guaranteed)})
    assert pod["status"]["qosClass"] == "Guaranteed"
    assert qos_class({"containers": [{"resources": {"requests": {"cpu": "1"}}}]}) == "Burstable"
    assert qos_class({"containers": [{}]}) == "BestEffort"
