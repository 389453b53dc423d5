"""Security context: pod-level and container-level settings merged (the container wins) into runtime terms.

pod.securityContext + container.securityContext + the image's USER
    ──► SecurityOptions: user "uid[:gid]", groups (supplementalGroups + fsGroup), read-only root,
        privileged, no-new-privileges (allowPrivilegeEscalation: false), capabilities add/drop,
        seccomp (RuntimeDefault = the runtime's profile, Unconfined), hostPID, hostIPC
    runAsNonRoot with a root user ──► SecurityError (CreateContainerConfigError, Kubernetes' message)
pod.securityContext.sysctls ──► only the safe set; another one fails the pod (SysctlForbidden)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubelet.runtime import SecurityOptions

SAFE_SYSCTLS = (
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
)


class SecurityError(Exception):
    """The container may not run as asked (runAsNonRoot with a root user)."""


def _setting(pod: Mapping[str, Any], container: Mapping[str, Any], key: str) -> Any:
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else ((pod.get("spec") or {}).get("securityContext") or {}).get(key)


def _capability(name: str) -> str:
    return str(name).upper().removeprefix("CAP_")


def _who(pod: Mapping[str, Any], container: Mapping[str, Any]) -> str:
    meta = pod.get("metadata") or {}
    return f'(pod: "{meta.get("name")}_{meta.get("namespace")}({meta.get("uid")})", container: {container["name"]})'


def check_non_root(pod: Mapping[str, Any], container: Mapping[str, Any], *, image_user: str) -> None:
    if not _setting(pod, container, "runAsNonRoot"):
        return
    uid = _setting(pod, container, "runAsUser")
    if uid is not None:
        if uid == 0:
            raise SecurityError(f"container's runAsUser breaks non-root policy {_who(pod, container)}")
        return
    user = image_user.split(":", 1)[0]
    if user in ("", "root", "0"):
        raise SecurityError(f"container has runAsNonRoot and image will run as root {_who(pod, container)}")
    if not user.isdigit():
        raise SecurityError(
            f"container has runAsNonRoot and image has non-numeric user ({user}), cannot verify user is non-root "
            f"{_who(pod, container)}"
        )


def security_options(pod: Mapping[str, Any], container: Mapping[str, Any], *, image_user: str = "") -> SecurityOptions:
    spec = pod.get("spec") or {}
    pod_context = spec.get("securityContext") or {}
    own = container.get("securityContext") or {}
    uid, gid = _setting(pod, container, "runAsUser"), _setting(pod, container, "runAsGroup")
    user = None
    if uid is not None:
        user = f"{uid}:{gid}" if gid is not None else str(uid)
    elif gid is not None:
        user = f"{image_user.split(':', 1)[0] or 0}:{gid}"
    groups = [str(g) for g in pod_context.get("supplementalGroups") or []]
    if pod_context.get("fsGroup") is not None:
        groups.append(str(pod_context["fsGroup"]))
    capabilities = own.get("capabilities") or {}
    seccomp = (_setting(pod, container, "seccompProfile") or {}).get("type")
    return SecurityOptions(
        user=user,
        group_add=list(dict.fromkeys(groups)),
        read_only_root=bool(own.get("readOnlyRootFilesystem")),
        privileged=bool(own.get("privileged")),
        no_new_privileges=own.get("allowPrivilegeEscalation") is False,
        cap_add=[_capability(c) for c in capabilities.get("add") or []],
        cap_drop=[_capability(c) for c in capabilities.get("drop") or []],
        seccomp_unconfined=seccomp == "Unconfined",
        host_pid=bool(spec.get("hostPID")),
        host_ipc=bool(spec.get("hostIPC")),
    )


def pod_sysctls(pod: Mapping[str, Any]) -> dict[str, str]:
    entries = ((pod.get("spec") or {}).get("securityContext") or {}).get("sysctls") or []
    return {str(e.get("name")): str(e.get("value", "")) for e in entries if e.get("name")}


def forbidden_sysctl(pod: Mapping[str, Any]) -> str | None:
    """Kubernetes' message for the first sysctl outside the safe set, None when all are allowed."""
    for name in pod_sysctls(pod):
        if name not in SAFE_SYSCTLS:
            return f'Pod forbidden sysctl: "{name}" not allowlisted'
    return None
