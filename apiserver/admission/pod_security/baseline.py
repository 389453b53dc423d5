"""Baseline Pod Security Standard checks: each (metadata, spec) → None or (reason, detail), upstream wording.

One function per check of pod-security-admission/policy (check_<id>.go); the registry order in
`checks.py` is the order reasons appear in a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiserver.admission.pod_security.wording import (
    containers_of,
    join_quote,
    named,
    pluralize,
    security_context,
    setters,
)

Result = tuple[str, str] | None

APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
ALLOWED_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
ALLOWED_SELINUX_TYPES = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
ALLOWED_SYSCTLS = frozenset(
    {
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
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)
GOOD_PROFILES = ("RuntimeDefault", "Localhost")


def app_armor_profile(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad_values: set[str] = set()
    pod_profile = security_context(spec).get("appArmorProfile")
    pod_bad = bool(pod_profile) and pod_profile.get("type") not in GOOD_PROFILES
    if pod_bad:
        bad_values.add(str(pod_profile.get("type")))
    bad = []
    for container in containers_of(spec):
        profile = security_context(container).get("appArmorProfile")
        if profile and profile.get("type") not in GOOD_PROFILES:
            bad.append(container.get("name", ""))
            bad_values.add(str(profile.get("type")))
    found = setters(pod_bad, bad)
    annotations = sorted(
        f'{key}="{value}"'
        for key, value in (meta.get("annotations") or {}).items()
        if key.startswith(APPARMOR_ANNOTATION_PREFIX)
        and value
        and value != "runtime/default"
        and not value.startswith("localhost/")
    )
    values = sorted(bad_values) + annotations
    if annotations:
        found.append(pluralize("annotation", "annotations", len(annotations)))
    if not found:
        return None
    reason = pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values))
    return reason, f"{' and '.join(found)} must not set AppArmor profile type to {join_quote(values)}"


def host_namespaces(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    found = [name for name in ("hostNetwork", "hostPID", "hostIPC") if spec.get(name) is True]
    return ("host namespaces", ", ".join(f"{name}=true" for name in found)) if found else None


def host_path_volumes(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    names = [v.get("name", "") for v in spec.get("volumes") or [] if v.get("hostPath") is not None]
    return ("hostPath volumes", f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}") if names else None


def host_ports(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad, ports = [], set()
    for container in containers_of(spec):
        used = [str(p.get("hostPort")) for p in container.get("ports") or [] if p.get("hostPort")]
        if used:
            bad.append(container.get("name", ""))
            ports.update(used)
    if not bad:
        return None
    return "hostPort", (
        f"{named(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('hostPort', 'hostPorts', len(ports))} {', '.join(sorted(ports))}"
    )


def _hosts(handler: Mapping[str, Any] | None) -> list[str]:
    if not handler:
        return []
    return [
        str(handler[kind]["host"])
        for kind in ("httpGet", "tcpSocket")
        if isinstance(handler.get(kind), Mapping) and handler[kind].get("host")
    ]


def host_probes_and_lifecycle(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad: set[str] = set()
    hosts: set[str] = set()
    for container in containers_of(spec):
        lifecycle = container.get("lifecycle") or {}
        handlers = [container.get(p) for p in ("livenessProbe", "readinessProbe", "startupProbe")]
        found = [
            h for handler in (*handlers, lifecycle.get("postStart"), lifecycle.get("preStop")) for h in _hosts(handler)
        ]
        if found:
            bad.add(container.get("name", ""))
            hosts.update(found)
    if not bad:
        return None
    return "probe or lifecycle host", (
        f"{named(sorted(bad))} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} {join_quote(sorted(hosts))}"
    )


def privileged(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad = [c.get("name", "") for c in containers_of(spec) if security_context(c).get("privileged") is True]
    return ("privileged", f"{named(bad)} must not set securityContext.privileged=true") if bad else None


def proc_mount(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad, kinds = [], set()
    for container in containers_of(spec):
        mount = security_context(container).get("procMount")
        if mount is not None and mount != "Default":
            bad.append(container.get("name", ""))
            kinds.add(str(mount))
    if not bad:
        return None
    return "procMount", f"{named(bad)} must not set securityContext.procMount to {join_quote(sorted(kinds))}"


def se_linux_options(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad_types: set[str] = set()
    flags = {"user": False, "role": False}

    def valid(options: Mapping[str, Any]) -> bool:
        ok = True
        if (options.get("type") or "") not in ALLOWED_SELINUX_TYPES:
            bad_types.add(str(options.get("type")))
            ok = False
        for field in ("user", "role"):
            if options.get(field):
                flags[field], ok = True, False
        return ok

    pod_options = security_context(spec).get("seLinuxOptions")
    pod_bad = pod_options is not None and not valid(pod_options)
    bad = []
    for container in containers_of(spec):
        options = security_context(container).get("seLinuxOptions")
        if options is not None and not valid(options):
            bad.append(container.get("name", ""))
    found = setters(pod_bad, bad)
    if not found:
        return None
    data = []
    if bad_types:  # upstream names a set user or role only beside a bad type
        data.append(f"{pluralize('type', 'types', len(bad_types))} {join_quote(sorted(bad_types))}")
        data += [f"{field} may not be set" for field in ("user", "role") if flags[field]]
    return "seLinuxOptions", f"{' and '.join(found)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}"


def sysctls(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    names = [
        s.get("name", "") for s in security_context(spec).get("sysctls") or [] if s.get("name") not in ALLOWED_SYSCTLS
    ]
    return ("forbidden sysctls", ", ".join(names)) if names else None


def windows_host_process(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    def host_process(owner: Mapping[str, Any]) -> bool:
        return (security_context(owner).get("windowsOptions") or {}).get("hostProcess") is True

    bad = [c.get("name", "") for c in containers_of(spec) if host_process(c)]
    found = setters(host_process(spec), bad)
    if not found:
        return None
    return "hostProcess", f"{' and '.join(found)} must not set securityContext.windowsOptions.hostProcess=true"


def capabilities_baseline(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad, added = [], set()
    for container in containers_of(spec):
        extra = [
            c
            for c in (security_context(container).get("capabilities") or {}).get("add") or []
            if c not in ALLOWED_CAPABILITIES
        ]
        if extra:
            bad.append(container.get("name", ""))
            added.update(extra)
    if not bad:
        return None
    return "non-default capabilities", (
        f"{named(bad)} must not include {join_quote(sorted(added))} in securityContext.capabilities.add"
    )


def seccomp_profile_baseline(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    values: set[str] = set()
    profile = security_context(spec).get("seccompProfile")
    pod_bad = profile is not None and profile.get("type") not in GOOD_PROFILES
    if pod_bad:
        values.add(str(profile.get("type")))
    bad = []
    for container in containers_of(spec):
        own = security_context(container).get("seccompProfile")
        if own is not None and own.get("type") not in GOOD_PROFILES:
            bad.append(container.get("name", ""))
            values.add(str(own.get("type")))
    found = setters(pod_bad, bad)
    if not found:
        return None
    return "seccompProfile", (
        f"{' and '.join(found)} must not set securityContext.seccompProfile.type to {join_quote(sorted(values))}"
    )
