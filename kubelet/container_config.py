"""Pod spec → runtime configs: the sandbox of a pod and each of its containers.

    pod ──► SandboxConfig: hostname, DNS, hostNetwork/hostIPC, hostAliases (/etc/hosts),
            hostPorts (published on the node address), safe sysctls
    pod + container spec + environment + mounts + security + restart count ──► ContainerConfig
        command → entrypoint, args → cmd ($(VAR) expanded), workingDir,
        requests.cpu → CPU shares, limits.cpu → CPU quota, limits.memory → memory limit,
        labels naming node, pod, container and sandbox (the kubelet's memory, see runtime/labels.py)

Names follow the dockershim (`k8s_<container>_<pod>_<namespace>_<uid8>_<restart>`)
so `docker ps` reads like a node of a real cluster.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from kubelet.dns_config import PodDns
from kubelet.runtime import ContainerConfig, Mount, PortBinding, SandboxConfig, SecurityOptions
from kubelet.runtime import labels as label_keys
from kubelet.security_context import pod_sysctls
from kubemini.api.env_expansion import expand
from kubemini.api.quantity import cpu_millis, to_bytes

MAX_HOSTNAME_LENGTH = 63
UID_PREFIX_LENGTH = 8


def spec_hash(container: Mapping[str, Any]) -> str:
    """A stable digest of the container's spec: a change (a new image) means restart it."""
    encoded = json.dumps(container, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


def pod_hostname(pod: Mapping[str, Any]) -> str:
    """The pod's hostname (spec.hostname or its name), cut to 63 characters like Kubernetes."""
    spec, meta = pod.get("spec") or {}, pod.get("metadata") or {}
    hostname = str(spec.get("hostname") or meta.get("name") or "pod")
    return hostname[:MAX_HOSTNAME_LENGTH].rstrip("-.") or "pod"


def _runtime_name(pod: Mapping[str, Any], container: str, *, restart: int) -> str:
    meta = pod.get("metadata") or {}
    uid = str(meta.get("uid", ""))[:UID_PREFIX_LENGTH]
    return f"k8s_{container}_{meta.get('name')}_{meta.get('namespace')}_{uid}_{restart}"


def host_ports(pod: Mapping[str, Any], *, node_ip: str) -> list[PortBinding]:
    """Every container port with a hostPort, published on its hostIP or the node's address."""
    if (pod.get("spec") or {}).get("hostNetwork"):
        return []  # the pod's ports are the node's already
    bindings = []
    for container in (pod.get("spec") or {}).get("containers") or []:
        for port in container.get("ports") or []:
            if port.get("hostPort"):
                bindings.append(
                    PortBinding(
                        container_port=int(port["containerPort"]),
                        host_port=int(port["hostPort"]),
                        host_ip=str(port.get("hostIP") or node_ip),
                        protocol=str(port.get("protocol") or "TCP").lower(),
                    )
                )
    return bindings


def host_aliases(pod: Mapping[str, Any]) -> list[str]:
    """hostAliases as `name:ip` entries for the pod's /etc/hosts."""
    entries = []
    for alias in (pod.get("spec") or {}).get("hostAliases") or []:
        entries.extend(f"{name}:{alias.get('ip')}" for name in alias.get("hostnames") or [])
    return entries


def sandbox_config(
    pod: Mapping[str, Any],
    *,
    node: str,
    image: str,
    network: str,
    attempt: int,
    dns: PodDns | None = None,
    node_ip: str = "127.0.0.1",
) -> SandboxConfig:
    spec = pod.get("spec") or {}
    labels = label_keys.pod_labels(dict(pod), node=node, container=label_keys.SANDBOX_CONTAINER)
    labels[label_keys.RESTART_COUNT] = str(attempt)
    dns = dns or PodDns()
    host_network = bool(spec.get("hostNetwork"))
    return SandboxConfig(
        name=_runtime_name(pod, label_keys.SANDBOX_CONTAINER, restart=attempt),
        hostname="" if host_network else pod_hostname(pod),
        image=image,
        network="host" if host_network else network,
        labels=labels,
        dns=[] if host_network else dns.nameservers,
        dns_search=[] if host_network else dns.searches,
        dns_options=[] if host_network else dns.options,
        host_network=host_network,
        host_ipc=bool(spec.get("hostIPC")),
        extra_hosts=host_aliases(pod),
        port_bindings=host_ports(pod, node_ip=node_ip),
        sysctls=pod_sysctls(pod),
    )


def _quantity(resources: Mapping[str, Any], path: str) -> Any:
    """`limits.cpu` → resources["limits"]["cpu"], None when absent."""
    kind, _, name = path.partition(".")
    return ((resources.get(kind) or {}) if isinstance(resources, Mapping) else {}).get(name)


def container_config(
    pod: Mapping[str, Any],
    container: Mapping[str, Any],
    *,
    node: str,
    sandbox_id: str,
    env: Mapping[str, str],
    restart_count: int,
    init: bool = False,
    mounts: list[Mount] | None = None,
    security: SecurityOptions | None = None,
    pid_container_id: str | None = None,
) -> ContainerConfig:
    labels = label_keys.pod_labels(dict(pod), node=node, container=container["name"])
    labels[label_keys.RESTART_COUNT] = str(restart_count)
    labels[label_keys.SPEC_HASH] = spec_hash(container)
    labels[label_keys.SANDBOX_ID] = sandbox_id
    if init:
        labels[label_keys.INIT] = "true"
    command = container.get("command")
    args = container.get("args")
    resources = container.get("resources") or {}
    cpu_request = _quantity(resources, "requests.cpu")
    cpu_limit = _quantity(resources, "limits.cpu")
    memory_limit = _quantity(resources, "limits.memory")
    return ContainerConfig(
        name=_runtime_name(pod, container["name"], restart=restart_count),
        image=container["image"],
        sandbox_id=sandbox_id,
        labels=labels,
        command=[expand(str(part), env) for part in command] if command else None,
        args=[expand(str(part), env) for part in args] if args else None,
        env=dict(env),
        working_dir=container.get("workingDir") or None,
        cpu_request_millis=cpu_millis(cpu_request) if cpu_request is not None else None,
        cpu_limit_millis=cpu_millis(cpu_limit) if cpu_limit is not None else None,
        memory_limit_bytes=to_bytes(memory_limit) if memory_limit is not None else None,
        tty=bool(container.get("tty")),
        stdin=bool(container.get("stdin")),
        stdin_once=bool(container.get("stdinOnce")),
        mounts=list(mounts or []),
        security=security or SecurityOptions(),
        pid_container_id=pid_container_id,
    )
