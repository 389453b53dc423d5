"""Runtime configs in Docker's HostConfig vocabulary: pure translations, unit tested without Docker.

SandboxConfig ──► network (pod network, or host), DNS, shareable IPC (or host), extra_hosts
                  (hostAliases), port bindings (hostPorts on the node address), sysctls
ContainerConfig ──► binds (volumes, read-only or not), joins the sandbox's IPC namespace (or
                    the host's), host PID, privileged, read-only root, capabilities,
                    no-new-privileges, seccomp, supplementary groups
"""

from __future__ import annotations

from typing import Any

from kubelet.runtime import ContainerConfig, SandboxConfig

CPU_SHARES_PER_CORE = 1024
MIN_CPU_SHARES = 2
NANO_CPUS_PER_MILLI = 1_000_000


def sandbox_host_options(config: SandboxConfig) -> dict[str, Any]:
    options: dict[str, Any] = {"network_mode": config.network}
    for key, value in (("dns", config.dns), ("dns_search", config.dns_search), ("dns_opt", config.dns_options)):
        if value:
            options[key] = value
    options["ipc_mode"] = "host" if config.host_ipc else "shareable"
    if config.extra_hosts:
        options["extra_hosts"] = list(config.extra_hosts)
    if config.port_bindings:
        options["port_bindings"] = {
            f"{b.container_port}/{b.protocol}": (b.host_ip, b.host_port) for b in config.port_bindings
        }
    if config.sysctls:
        options["sysctls"] = dict(config.sysctls)
    return options


def container_host_options(config: ContainerConfig) -> dict[str, Any]:
    security = config.security
    options: dict[str, Any] = {
        "network_mode": f"container:{config.sandbox_id}",
        "binds": [f"{m.source}:{m.target}:{'ro' if m.read_only else 'rw'}" for m in config.mounts],
        "ipc_mode": "host" if security.host_ipc else f"container:{config.sandbox_id}",
    }
    if config.memory_limit_bytes:
        # No swap beyond the limit, as on a Kubernetes node: over the limit means OOM-killed.
        options["mem_limit"] = options["memswap_limit"] = config.memory_limit_bytes
    if config.cpu_limit_millis:
        options["nano_cpus"] = config.cpu_limit_millis * NANO_CPUS_PER_MILLI
    if config.cpu_request_millis is not None:
        options["cpu_shares"] = max(MIN_CPU_SHARES, config.cpu_request_millis * CPU_SHARES_PER_CORE // 1000)
    if security.host_pid:
        options["pid_mode"] = "host"
    elif config.pid_container_id:
        options["pid_mode"] = f"container:{config.pid_container_id}"
    if security.privileged:
        options["privileged"] = True
    if security.read_only_root:
        options["read_only"] = True
    if security.cap_add:
        options["cap_add"] = list(security.cap_add)
    if security.cap_drop:
        options["cap_drop"] = list(security.cap_drop)
    if security.group_add:
        options["group_add"] = list(security.group_add)
    security_opt = []
    if security.no_new_privileges:
        security_opt.append("no-new-privileges:true")
    if security.seccomp_unconfined:
        security_opt.append("seccomp=unconfined")
    if security_opt:
        options["security_opt"] = security_opt
    return options
