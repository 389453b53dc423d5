"""What a pod spec asks of its node beyond running: termination messages, /etc/hosts entries, host ports."""

from __future__ import annotations

import httpx

from tests.e2e.kubelet.pods import IMAGE, container_status, create_pod, phase, wait_for_pod
from tests.support.ports import free_port


def _terminated(pod: dict) -> dict:
    return (container_status(pod).get("state") or {}).get("terminated") or {}


def test_termination_messages_from_the_file_or_the_log(api, kubelet, namespace):
    aliases = [{"ip": "10.1.2.3", "hostnames": ["foo.local", "bar"]}]
    by_file = {
        "name": "app",
        "image": IMAGE,
        "command": ["sh", "-c", "grep 10.1.2.3 /etc/hosts > /dev/termination-log"],
    }
    by_log = {"name": "app", "image": IMAGE, "terminationMessagePolicy": "FallbackToLogsOnError",
              "command": ["sh", "-c", "echo from-the-log; exit 4"]}  # fmt: skip
    for name, container, extra in (("by-file", by_file, {"hostAliases": aliases}), ("by-log", by_log, {})):
        spec = {"nodeName": kubelet.node, "restartPolicy": "Never", "containers": [container], **extra}
        create_pod(api, namespace, {"metadata": {"name": name}, "spec": spec})
    done = wait_for_pod(api, namespace, "by-file", lambda p: phase(p) == "Succeeded", what="Succeeded")
    # Docker writes one line per name where Kubernetes writes one per alias: both names resolve alike.
    assert _terminated(done)["message"].split() == ["10.1.2.3", "foo.local", "10.1.2.3", "bar"]
    failed = wait_for_pod(api, namespace, "by-log", lambda p: phase(p) == "Failed", what="Failed")
    assert _terminated(failed)["exitCode"] == 4 and _terminated(failed)["message"] == "from-the-log\n"


def test_host_port_is_published_on_the_node_address(api, kubelet, namespace):
    host_port = free_port()
    serve = "mkdir /www && echo via-host-port > /www/index.html && exec httpd -f -p 80 -h /www"
    container = {"name": "app", "image": IMAGE, "command": ["sh", "-c", serve],
                 "ports": [{"containerPort": 80, "hostPort": host_port}]}  # fmt: skip
    spec = {"nodeName": kubelet.node, "terminationGracePeriodSeconds": 1, "containers": [container]}
    create_pod(api, namespace, {"metadata": {"name": "hostport"}, "spec": spec})
    wait_for_pod(api, namespace, "hostport", lambda p: phase(p) == "Running", what="Running")
    assert httpx.get(f"http://127.0.0.1:{host_port}/", timeout=10, trust_env=False).text == "via-host-port\n"
