"""A pod talks to the API the way in-cluster clients do: https://kubernetes.default.svc, the CA from
its projected ca.crt, its projected ServiceAccount token, and only what its Role allows.

The pod runs Python (the offline python-base image) because busybox's wget does not verify TLS
certificates: here the server's certificate is verified against the cluster CA, for the name
kubernetes.default.svc, through the `kubernetes` Service's ClusterIP and cluster DNS.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid

from tests.e2e.services.cluster import SERVICE_CIDR
from tests.integration.kube_proxy.proxy_process import assert_local_route
from tests.support.processes import REPO_ROOT

PYTHON_IMAGE = "kubemini/python-base:bookworm"
BUILD_IMAGES = REPO_ROOT / "deploy" / "images" / "build_control_plane_image.sh"
LOG_DEADLINE_SECONDS = 90.0
CLIENT = r"""
import ssl, urllib.error, urllib.request
d = "/var/run/secrets/kubernetes.io/serviceaccount"
context = ssl.create_default_context(cafile=d + "/ca.crt")
token, namespace = open(d + "/token").read(), open(d + "/namespace").read()
for resource in ("pods", "secrets"):
    request = urllib.request.Request(f"https://kubernetes.default.svc/api/v1/namespaces/{namespace}/{resource}",
                                     headers={"Authorization": "Bearer " + token})
    try:
        print(resource, urllib.request.urlopen(request, context=context, timeout=10).status, flush=True)
    except urllib.error.HTTPError as error:
        print(resource, error.code, flush=True)
"""


def ensure_python_image() -> None:
    found = subprocess.run(["docker", "image", "inspect", PYTHON_IMAGE], capture_output=True, check=False)
    if found.returncode != 0:  # built offline with the control-plane image (about a minute, once)
        subprocess.run(["bash", str(BUILD_IMAGES)], check=True, timeout=900)


def test_a_pods_token_reaches_the_api_from_inside_and_only_for_its_role(cluster, api, kubectl):
    assert_local_route(SERVICE_CIDR)
    ensure_python_image()
    namespace = f"incluster-{uuid.uuid4().hex[:6]}"
    kubectl.run("create", "namespace", namespace)
    kubectl.run("create", "serviceaccount", "reader", "-n", namespace)
    kubectl.run("create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", namespace)
    kubectl.run(
        "create", "rolebinding", "reader", "--role=pod-reader", f"--serviceaccount={namespace}:reader", "-n", namespace
    )
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "client"},
        "spec": {
            "serviceAccountName": "reader",
            "restartPolicy": "Never",
            "containers": [{"name": "client", "image": PYTHON_IMAGE, "command": ["python3", "-c", CLIENT]}],
        },
    }
    kubectl.run("apply", "-n", namespace, "-f", "-", input_text=json.dumps(pod))
    deadline = time.monotonic() + LOG_DEADLINE_SECONDS
    output = ""
    while time.monotonic() < deadline:
        output = kubectl.run("logs", "-n", namespace, "client", check=False).stdout
        if "secrets" in output:
            break
        time.sleep(1)
    try:
        assert output.split() == ["pods", "200", "secrets", "403"], f"pod output: {output!r}\n{cluster.logs()}"
    finally:
        kubectl.run("delete", "namespace", namespace, "--wait=false", check=False)
