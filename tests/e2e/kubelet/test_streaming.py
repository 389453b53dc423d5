"""exec, cp, attach and port-forward through the apiserver to real containers, with real kubectl and the Python client.

One pod serves every test of the module: `app` runs httpd on :80 (all addresses) and on
127.0.0.1:8081 (reachable only from inside the pod's network namespace), `side` sleeps.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from kubernetes import client as k8s
from kubernetes.stream import portforward, stream

from tests.e2e.kubelet.pods import IMAGE, create_pod, phase, wait_for_pod, wait_until
from tests.support.api_http import api_http
from tests.support.ports import free_port

SERVE = (
    "mkdir -p /www && echo hello-from-pod > /www/index.html && echo local-only > /www/local.html"
    " && httpd -p 80 -h /www && httpd -p 127.0.0.1:8081 -h /www && exec sleep 3600"
)
PORT_FORWARD_REQUESTS = 500
CONCURRENT_CONNECTIONS = 8
FORWARD_READY_SECONDS = 20.0


@pytest.fixture(scope="module")
def web(apiserver, kubelet):
    with api_http(base_url=apiserver.url, timeout=15) as api:
        namespace = f"stream-{os.urandom(3).hex()}"
        api.post("/api/v1/namespaces", json={"metadata": {"name": namespace}}).raise_for_status()
        manifest = {
            "metadata": {"name": "web", "labels": {"app": "web"}},
            "spec": {
                "nodeName": kubelet.node,
                "terminationGracePeriodSeconds": 1,
                "containers": [
                    {"name": "app", "image": IMAGE, "command": ["sh", "-c", SERVE], "ports": [{"containerPort": 80}]},
                    {"name": "side", "image": IMAGE, "command": ["sleep", "3600"]},
                ],
            },
        }
        create_pod(api, namespace, manifest)
        wait_for_pod(api, namespace, "web", lambda p: phase(p) == "Running", what="Running")
        yield namespace
        api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/web", json={"gracePeriodSeconds": 0})


@pytest.fixture(scope="module")
def core(apiserver):
    configuration = apiserver.kubernetes_configuration()
    with k8s.ApiClient(configuration) as api_client:
        yield k8s.CoreV1Api(api_client)


def test_kubectl_exec_exit_codes_stdin_and_container(kubectl, web):
    failed = kubectl.run("exec", "-n", web, "web", "-c", "app", "--", "sh", "-c", "echo out; echo err >&2; exit 3",
                         check=False)  # fmt: skip
    assert failed.returncode == 3, failed.stderr
    assert failed.stdout == "out\n" and "err" in failed.stderr
    piped = kubectl.run("exec", "-i", "-n", web, "web", "-c", "app", "--", "tr", "a-z", "A-Z", input_text="hello\n")
    assert piped.stdout == "HELLO\n"
    side = kubectl.run("exec", "-n", web, "web", "-c", "side", "--", "sh", "-c", "cat /proc/1/cmdline | tr '\\0' ' '")
    assert side.stdout.strip() == "sleep 3600"
    missing = kubectl.run("exec", "-n", web, "web", "-c", "nope", "--", "true", check=False)
    assert missing.returncode != 0 and "container nope is not valid for pod web" in missing.stderr


def test_kubectl_cp_round_trip_keeps_a_5_mib_file_intact(kubectl, web, tmp_path):
    original = tmp_path / "payload.bin"
    original.write_bytes(os.urandom(5 * 1024 * 1024))
    kubectl.run("cp", "-c", "app", str(original), f"{web}/web:/tmp/payload.bin")
    back = tmp_path / "back.bin"
    kubectl.run("cp", "-c", "app", f"{web}/web:/tmp/payload.bin", str(back))
    assert hashlib.sha256(back.read_bytes()).hexdigest() == hashlib.sha256(original.read_bytes()).hexdigest()


def test_python_client_exec_with_a_tty_follows_resizes(core, web):
    session = stream(
        core.connect_get_namespaced_pod_exec, "web", web, container="app", command=["sh"],
        stdin=True, stdout=True, stderr=False, tty=True, _preload_content=False,
    )  # fmt: skip
    try:
        session.write_channel(4, '{"Width": 101, "Height": 37}')
        session.write_stdin("stty size; exit 5\n")
        output = ""
        deadline = time.monotonic() + 15
        while session.is_open() and time.monotonic() < deadline:
            session.update(timeout=1)
            output += session.read_stdout() or ""
        assert "37 101" in output, output
        assert session.returncode == 5
    finally:
        session.close()


def test_python_client_exec_returns_output_and_exit_code(core, web):
    command = ["sh", "-c", "echo $((6*7))"]
    output = stream(core.connect_get_namespaced_pod_exec, "web", web, container="side",
                    command=command, stderr=True, stdin=False, stdout=True, tty=False)  # fmt: skip
    assert output.strip() == "42"


def test_kubectl_attach_sends_stdin_to_the_main_process(api, kubelet, namespace, kubectl):
    reader = {"name": "app", "image": IMAGE, "stdin": True, "stdinOnce": True,
              "command": ["sh", "-c", "while read line; do echo got:$line; done; echo bye"]}  # fmt: skip
    manifest = {"metadata": {"name": "reader"},
                "spec": {"nodeName": kubelet.node, "restartPolicy": "Never", "containers": [reader]}}  # fmt: skip
    create_pod(api, namespace, manifest)
    wait_for_pod(api, namespace, "reader", lambda p: phase(p) == "Running", what="Running")
    attached = kubectl.run("attach", "-i", "-n", namespace, "reader", input_text="one\ntwo\n")
    assert "got:one\ngot:two\nbye" in attached.stdout
    wait_for_pod(api, namespace, "reader", lambda p: phase(p) == "Succeeded", what="Succeeded once stdin closed")


def _forward(kubectl, namespace: str, target: str, *ports: str):
    process = kubectl.popen("port-forward", "-n", namespace, target, *ports)
    lines: list[str] = []

    def ready() -> bool:
        line = process.stdout.readline()
        lines.append(line)
        if process.poll() is not None:
            raise AssertionError(f"kubectl port-forward exited: {process.stderr.read()}")
        return sum("Forwarding from 127.0.0.1" in seen for seen in lines) >= len(ports)

    wait_until(ready, what=f"kubectl port-forward {target} ready", timeout=FORWARD_READY_SECONDS, interval=0)
    return process


def test_kubectl_port_forward_carries_500_requests_to_the_pod_and_its_loopback(kubectl, web):
    local, loopback_only, closed = free_port(), free_port(), free_port()
    process = _forward(kubectl, web, "pod/web", f"{local}:80", f"{loopback_only}:8081", f"{closed}:9")
    try:
        with httpx.Client(timeout=10, trust_env=False) as http, ThreadPoolExecutor(CONCURRENT_CONNECTIONS) as pool:
            url = f"http://127.0.0.1:{local}/"
            answers = list(pool.map(lambda _: http.get(url).text, range(PORT_FORWARD_REQUESTS)))
            assert answers == ["hello-from-pod\n"] * PORT_FORWARD_REQUESTS
            assert http.get(f"http://127.0.0.1:{loopback_only}/local.html").text == "local-only\n"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{closed}/", timeout=5, trust_env=False)
    finally:
        process.terminate()
        _out, errors = process.communicate(timeout=10)
    assert re.search(r"error forwarding port 9 to pod \w+", errors), errors


def test_kubectl_port_forward_to_a_service_resolves_its_pod(api, kubectl, web):
    service = {"metadata": {"name": "web"},
               "spec": {"selector": {"app": "web"}, "ports": [{"port": 8000, "targetPort": 80}]}}  # fmt: skip
    assert api.post(f"/api/v1/namespaces/{web}/services", json=service).status_code == 201
    local = free_port()
    process = _forward(kubectl, web, "svc/web", f"{local}:8000")
    try:
        assert httpx.get(f"http://127.0.0.1:{local}/", timeout=10, trust_env=False).text == "hello-from-pod\n"
    finally:
        process.terminate()
        process.communicate(timeout=10)


def test_python_client_port_forward(core, web):
    forwarded = portforward(core.connect_get_namespaced_pod_portforward, "web", web, ports="8081")
    sock = forwarded.socket(8081)
    sock.settimeout(10)
    try:
        sock.sendall(b"GET /local.html HTTP/1.0\r\nHost: pod\r\n\r\n")
        response = b""
        while chunk := sock.recv(4096):
            response += chunk
    except TimeoutError:
        pass
    finally:
        sock.close()
    assert response.startswith(b"HTTP/1.") and response.endswith(b"local-only\n"), response
    assert forwarded.error(8081) is None


def test_proxy_subresources_reach_the_pod_a_service_and_the_kubelet(api, kubectl, kubelet, web):
    pod = api.get(f"/api/v1/namespaces/{web}/pods/web").json()
    assert api.get(f"/api/v1/namespaces/{web}/pods/web:80/proxy/").text == "hello-from-pod\n"
    assert api.get(f"/api/v1/namespaces/{web}/pods/web/proxy/local.html").text == "local-only\n", "default port: 80"
    endpoints = {"metadata": {"name": "web-proxied"},
                 "subsets": [{"addresses": [{"ip": pod["status"]["podIP"]}], "ports": [{"port": 80}]}]}  # fmt: skip
    service = {"metadata": {"name": "web-proxied"}, "spec": {"ports": [{"port": 9000, "targetPort": 80}]}}
    assert api.post(f"/api/v1/namespaces/{web}/services", json=service).status_code == 201
    assert api.post(f"/api/v1/namespaces/{web}/endpoints", json=endpoints).status_code == 201
    raw = kubectl.run("get", "--raw", f"/api/v1/namespaces/{web}/services/web-proxied:9000/proxy/").stdout
    assert raw == "hello-from-pod\n"
    assert api.get(f"/api/v1/nodes/{kubelet.node}/proxy/healthz").text == "ok"
    missing = api.get(f"/api/v1/namespaces/{web}/pods/nope/proxy/")
    assert missing.status_code == 404 and missing.json()["reason"] == "NotFound"


def test_kubectl_debug_adds_an_ephemeral_container_sharing_the_targets_processes(api, kubectl, web):
    debugged = kubectl.run("debug", "-i", "-n", web, "web", f"--image={IMAGE}", "--target=app", "-c", "debugger",
                           "--", "sh", input_text="ps -o args; exit 0\n")  # fmt: skip
    assert "httpd -p 127.0.0.1:8081" in debugged.stdout, debugged.stdout + debugged.stderr
    pod = api.get(f"/api/v1/namespaces/{web}/pods/web").json()
    assert [c["name"] for c in pod["spec"]["ephemeralContainers"]] == ["debugger"]
    status = wait_until(
        lambda: next(iter(api.get(f"/api/v1/namespaces/{web}/pods/web").json()["status"].get(
            "ephemeralContainerStatuses") or []), None),
        what="the ephemeral container's status",
    )  # fmt: skip
    assert status["name"] == "debugger" and status["restartCount"] == 0
