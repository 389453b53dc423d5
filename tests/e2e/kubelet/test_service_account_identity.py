"""A pod's service-account identity: token, cluster CA and namespace under
/var/run/secrets/kubernetes.io/serviceaccount, the token a JWT the apiserver's keys verify, bound to
the pod; `automountServiceAccountToken: false` leaves the directory out."""

from __future__ import annotations

import jwt

from tests.e2e.kubelet.pods import IMAGE, create_pod, phase, wait_for_pod

MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount"


def _pod(name: str, node: str, **spec) -> dict:
    container = {"name": "app", "image": IMAGE, "command": ["sleep", "3600"]}
    spec = {"nodeName": node, "terminationGracePeriodSeconds": 1, "containers": [container], **spec}
    return {"metadata": {"name": name}, "spec": spec}


def test_a_pod_gets_its_token_ca_and_namespace(api, kubelet, namespace, kubectl):
    created = create_pod(api, namespace, _pod("who", kubelet.node))
    running = wait_for_pod(api, namespace, "who", lambda p: phase(p) == "Running", what="Running")
    script = f"cat {MOUNT}/token; echo; cat {MOUNT}/namespace"
    read = kubectl.run("exec", "-n", namespace, "who", "--", "sh", "-c", script)
    token, pod_namespace = read.stdout.split("\n")[:2]
    assert pod_namespace == namespace
    keys = api.get("/openid/v1/jwks").json()["keys"]
    public = jwt.PyJWK(keys[0]).key
    claims = jwt.decode(token, public, algorithms=["RS256"], audience="https://kubernetes.default.svc.cluster.local")
    assert claims["sub"] == f"system:serviceaccount:{namespace}:default"
    assert claims["kubernetes.io"]["pod"] == {"name": "who", "uid": created["metadata"]["uid"]}
    ca = kubectl.run("exec", "-n", namespace, "who", "--", "cat", f"{MOUNT}/ca.crt").stdout
    published = api.get(f"/api/v1/namespaces/{namespace}/configmaps/kube-root-ca.crt").json()["data"]["ca.crt"]
    assert ca == published and ca.startswith("-----BEGIN CERTIFICATE-----")
    mounts = running["spec"]["containers"][0]["volumeMounts"]
    assert [(m["mountPath"], m["readOnly"]) for m in mounts] == [(MOUNT, True)]


def test_automount_false_leaves_the_token_out(api, kubelet, namespace, kubectl):
    create_pod(api, namespace, _pod("anon", kubelet.node, automountServiceAccountToken=False))
    wait_for_pod(api, namespace, "anon", lambda p: phase(p) == "Running", what="Running")
    listed = kubectl.run("exec", "-n", namespace, "anon", "--", "ls", MOUNT, check=False)
    assert listed.returncode != 0 and "No such file or directory" in listed.stderr
