"""Security context merged pod → container and translated into Docker's HostConfig."""

from __future__ import annotations

import pytest

from kubelet.container_config import host_aliases, host_ports, sandbox_config
from kubelet.runtime import ContainerConfig
from kubelet.runtime.docker_options import container_host_options, sandbox_host_options
from kubelet.security_context import SecurityError, check_non_root, forbidden_sysctl, security_options
from tests.unit.kubelet.fakes import make_pod


def test_container_settings_win_over_the_pod_and_groups_add_up():
    pod = make_pod(securityContext={"runAsUser": 1000, "runAsGroup": 3000, "supplementalGroups": [4000],
                                    "fsGroup": 2000, "seccompProfile": {"type": "Unconfined"}})  # fmt: skip
    container = {"name": "app", "securityContext": {
        "runAsUser": 1001, "readOnlyRootFilesystem": True, "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["CAP_NET_BIND_SERVICE"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }}  # fmt: skip
    options = security_options(pod, container)
    assert options.user == "1001:3000" and options.group_add == ["4000", "2000"]
    assert options.read_only_root and options.no_new_privileges and not options.seccomp_unconfined
    assert options.cap_drop == ["ALL"] and options.cap_add == ["NET_BIND_SERVICE"]
    host = container_host_options(ContainerConfig("n", "i", "sandbox-1", {}, security=options))
    assert host["read_only"] and host["cap_drop"] == ["ALL"] and host["group_add"] == ["4000", "2000"]
    assert host["security_opt"] == ["no-new-privileges:true"] and host["ipc_mode"] == "container:sandbox-1"
    assert security_options(pod, {"name": "b"}).seccomp_unconfined, "the pod's profile when the container has none"


@pytest.mark.parametrize(
    ("pod_context", "container_context", "image_user", "message"),
    [
        ({"runAsNonRoot": True}, {}, "", "image will run as root"),
        ({"runAsNonRoot": True}, {}, "root", "image will run as root"),
        ({"runAsNonRoot": True}, {}, "nobody", "image has non-numeric user (nobody)"),
        ({"runAsNonRoot": True}, {"runAsUser": 0}, "1000", "container's runAsUser breaks non-root policy"),
        ({"runAsNonRoot": True}, {}, "1000", None),
        ({"runAsNonRoot": True, "runAsUser": 7}, {}, "", None),
        ({}, {"runAsNonRoot": False}, "", None),
    ],
)
def test_run_as_non_root(pod_context, container_context, image_user, message):
    pod = make_pod(securityContext=pod_context)
    container = {"name": "app", "securityContext": container_context}
    if message is None:
        check_non_root(pod, container, image_user=image_user)
        return
    with pytest.raises(SecurityError, match=message.replace("(", r"\(").replace(")", r"\)")):
        check_non_root(pod, container, image_user=image_user)


def test_only_safe_sysctls_are_allowed():
    safe = make_pod(securityContext={"sysctls": [{"name": "net.ipv4.ip_local_port_range", "value": "1024 65000"}]})
    assert forbidden_sysctl(safe) is None
    unsafe = make_pod(securityContext={"sysctls": [{"name": "kernel.msgmax", "value": "1"}]})
    assert forbidden_sysctl(unsafe) == 'Pod forbidden sysctl: "kernel.msgmax" not allowlisted'


def test_sandbox_publishes_host_ports_on_the_node_address_and_writes_host_aliases():
    ports = [{"containerPort": 80, "hostPort": 18080}, {"containerPort": 53, "hostPort": 1053, "protocol": "UDP"}]
    containers = [{"name": "app", "image": "i", "ports": ports}]
    pod = make_pod(containers=containers, hostAliases=[{"ip": "10.1.2.3", "hostnames": ["foo.local", "bar"]}])
    assert host_aliases(pod) == ["foo.local:10.1.2.3", "bar:10.1.2.3"]
    assert [(b.host_ip, b.host_port, b.protocol) for b in host_ports(pod, node_ip="127.0.0.1")] == [
        ("127.0.0.1", 18080, "tcp"), ("127.0.0.1", 1053, "udp")
    ]  # fmt: skip
    options = sandbox_host_options(sandbox_config(pod, node="n", image="pause", network="kubemini", attempt=0))
    assert options["port_bindings"] == {"80/tcp": ("127.0.0.1", 18080), "53/udp": ("127.0.0.1", 1053)}
    assert options["extra_hosts"] == ["foo.local:10.1.2.3", "bar:10.1.2.3"] and options["ipc_mode"] == "shareable"


def test_host_network_pods_share_the_node_network():
    pod = make_pod(hostNetwork=True, hostIPC=True)
    config = sandbox_config(pod, node="n", image="pause", network="kubemini", attempt=0)
    assert config.network == "host" and config.hostname == "" and config.port_bindings == []
    assert sandbox_host_options(config)["ipc_mode"] == "host"
