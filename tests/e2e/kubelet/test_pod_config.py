"""Environment (references, envFrom, $(VAR) expansion), security context, bad configs reported as Kubernetes does."""

from __future__ import annotations

import base64

from tests.e2e.kubelet.pods import IMAGE, container_status, create_pod, phase, wait_for_pod


def _create(api, namespace: str, kind: str, body: dict) -> None:
    response = api.post(f"/api/v1/namespaces/{namespace}/{kind}", json=body)
    assert response.status_code == 201, response.text


def _exec(kubectl, namespace: str, pod: str, script: str, check: bool = True):
    return kubectl.run("exec", "-n", namespace, pod, "--", "sh", "-c", script, check=check)


def _pod(name: str, node: str, container: dict, **spec) -> dict:
    container = {"name": "app", "image": IMAGE, "command": ["sleep", "3600"], **container}
    spec = {"nodeName": node, "terminationGracePeriodSeconds": 1, "containers": [container], **spec}
    return {"metadata": {"name": name}, "spec": spec}


def _waiting(pod: dict) -> dict:
    return (container_status(pod).get("state") or {}).get("waiting") or {}


def test_environment_references_and_expansion(api, kubelet, namespace, kubectl):
    _create(api, namespace, "configmaps", {"metadata": {"name": "settings"}, "data": {"MODE": "fast", "LEVEL": "3"}})
    _create(
        api, namespace, "secrets", {"metadata": {"name": "creds"}, "data": {"pw": base64.b64encode(b"pa$$").decode()}}
    )
    env = [
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "MODE"}}},
        {"name": "PW", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "pw"}}},
        {"name": "OPT", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "nope", "optional": True}}},
        {"name": "NS", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "SA", "valueFrom": {"fieldRef": {"fieldPath": "spec.serviceAccountName"}}},
        {"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
        {"name": "MEM_MI", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory", "divisor": "1Mi"}}},
        {"name": "CPU_M", "valueFrom": {"resourceFieldRef": {"resource": "requests.cpu", "divisor": "1m"}}},
        {"name": "GREETING", "value": "$(MODE)-$(NS) $$(MODE) $(UNDEFINED)"},
    ]
    container = {
        "env": env,
        "envFrom": [{"configMapRef": {"name": "settings"}, "prefix": "CFG_"}],
        "resources": {"requests": {"cpu": "250m"}, "limits": {"memory": "48Mi"}},
        "command": ["sh", "-c", "echo '$(GREETING)' > /tmp/greeting; exec sleep 3600"],
    }
    create_pod(api, namespace, _pod("env", kubelet.node, container))
    wait_for_pod(api, namespace, "env", lambda p: phase(p) == "Running", what="Running")
    shown = _exec(kubectl, namespace, "env", "echo $MODE $PW ${OPT:-unset} $NS $SA $HOST_IP $MEM_MI $CPU_M $CFG_LEVEL;"
                  ' echo "$GREETING"; cat /tmp/greeting').stdout.splitlines()  # fmt: skip
    assert shown == [
        f"fast pa$$ unset {namespace} default 127.0.0.1 48 250 3",
        f"fast-{namespace} $(MODE) $(UNDEFINED)",
        f"fast-{namespace} $(MODE) $(UNDEFINED)",
    ]


def test_missing_key_is_create_container_config_error_with_kubernetes_message(api, kubelet, namespace):
    _create(api, namespace, "configmaps", {"metadata": {"name": "partial"}, "data": {"here": "1"}})
    env = [{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "partial", "key": "missing"}}}]
    create_pod(api, namespace, _pod("badkey", kubelet.node, {"env": env}))
    pod = wait_for_pod(api, namespace, "badkey", lambda p: _waiting(p).get("reason") == "CreateContainerConfigError",
                       what="CreateContainerConfigError")  # fmt: skip
    assert _waiting(pod)["message"] == f"couldn't find key missing in ConfigMap {namespace}/partial"


def test_security_context_is_enforced(api, kubelet, namespace, kubectl):
    pod_context = {"runAsUser": 1000, "runAsGroup": 3000, "supplementalGroups": [4000], "fsGroup": 2000}
    container = {
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
        },
        "volumeMounts": [{"name": "data", "mountPath": "/data"}],
    }
    manifest = _pod("secure", kubelet.node, container, securityContext=pod_context,
                    volumes=[{"name": "data", "emptyDir": {}}])  # fmt: skip
    create_pod(api, namespace, manifest)
    wait_for_pod(api, namespace, "secure", lambda p: phase(p) == "Running", what="Running")
    ids = _exec(kubectl, namespace, "secure", "id -u; id -g; id -G").stdout.split("\n")
    assert ids[0] == "1000" and ids[1] == "3000" and {"2000", "4000"} <= set(ids[2].split())
    refused = _exec(kubectl, namespace, "secure", "touch /rootfile", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    _exec(kubectl, namespace, "secure", "touch /data/ok && stat -c %g /data/ok | grep -x 2000")
    status = dict(
        line.split(":\t", 1)
        for line in _exec(kubectl, namespace, "secure", "cat /proc/self/status").stdout.splitlines()
        if ":\t" in line
    )
    assert int(status["CapBnd"], 16) == 1 << 10, "only NET_BIND_SERVICE (bit 10) is left"
    assert status["NoNewPrivs"].strip() == "1"


def test_run_as_non_root_refuses_a_root_image(api, kubelet, namespace):
    create_pod(api, namespace, _pod("rooted", kubelet.node, {"securityContext": {"runAsNonRoot": True}}))
    pod = wait_for_pod(api, namespace, "rooted", lambda p: _waiting(p).get("reason") == "CreateContainerConfigError",
                       what="CreateContainerConfigError")  # fmt: skip
    assert _waiting(pod)["message"].startswith("container has runAsNonRoot and image will run as root (pod: ")
