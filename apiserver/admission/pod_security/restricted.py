"""Restricted Pod Security Standard checks (on top of baseline's), upstream wording.

capabilities_restricted and seccompProfile_restricted replace their baseline counterparts at this level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiserver.admission.pod_security.baseline import GOOD_PROFILES, Result
from apiserver.admission.pod_security.wording import (
    containers_of,
    join_quote,
    named,
    pluralize,
    security_context,
    setters,
)

ALLOWED_VOLUME_SOURCES = (
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
)
RESTRICTED_VOLUME_SOURCES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "image",
)


def allow_privilege_escalation(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad = [
        c.get("name", "")
        for c in containers_of(spec)
        if security_context(c).get("allowPrivilegeEscalation") is not False
    ]
    if not bad:
        return None
    return "allowPrivilegeEscalation != false", f"{named(bad)} must set securityContext.allowPrivilegeEscalation=false"


def capabilities_restricted(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    missing_drop, adding, added = [], [], set()
    for container in containers_of(spec):
        capabilities = security_context(container).get("capabilities")
        if capabilities is None:
            missing_drop.append(container.get("name", ""))
            continue
        if "ALL" not in (capabilities.get("drop") or []):
            missing_drop.append(container.get("name", ""))
        extra = [c for c in capabilities.get("add") or [] if c != "NET_BIND_SERVICE"]
        if extra:
            adding.append(container.get("name", ""))
            added.update(extra)
    details = []
    if missing_drop:
        details.append(f'{named(missing_drop)} must set securityContext.capabilities.drop=["ALL"]')
    if adding:
        details.append(
            f"{named(adding)} must not include {join_quote(sorted(added))} in securityContext.capabilities.add"
        )
    return ("unrestricted capabilities", "; ".join(details)) if details else None


def restricted_volumes(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    bad, kinds = [], set()
    for volume in spec.get("volumes") or []:
        if any(volume.get(source) is not None for source in ALLOWED_VOLUME_SOURCES):
            continue
        bad.append(volume.get("name", ""))
        kinds.add(next((s for s in RESTRICTED_VOLUME_SOURCES if volume.get(s) is not None), "unknown"))
    if not bad:
        return None
    return "restricted volume types", (
        f"{pluralize('volume', 'volumes', len(bad))} {join_quote(bad)} {pluralize('uses', 'use', len(bad))} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(kinds))} {join_quote(sorted(kinds))}"
    )


def _explicit_and_implicit(spec: Mapping[str, Any], field: str, good) -> tuple[bool, bool, list[str], list[str]]:
    """(pod set a bad value, pod set a good one, containers with a bad value, containers relying on nothing)."""
    pod_value = security_context(spec).get(field)
    pod_bad = pod_value is not None and not good(pod_value)
    pod_good = pod_value is not None and good(pod_value)
    explicit, implicit = [], []
    for container in containers_of(spec):
        value = security_context(container).get(field)
        if value is not None:
            if not good(value):
                explicit.append(container.get("name", ""))
        elif not pod_good:
            implicit.append(container.get("name", ""))
    return pod_bad, pod_good, explicit, implicit


def run_as_non_root(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    pod_bad, _, explicit, implicit = _explicit_and_implicit(spec, "runAsNonRoot", lambda v: v is True)
    found = setters(pod_bad, explicit)
    if found:
        return "runAsNonRoot != true", f"{' and '.join(found)} must not set securityContext.runAsNonRoot=false"
    if implicit:
        return "runAsNonRoot != true", f"pod or {named(implicit)} must set securityContext.runAsNonRoot=true"
    return None


def run_as_user(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    pod_bad = security_context(spec).get("runAsUser") == 0
    bad = [c.get("name", "") for c in containers_of(spec) if security_context(c).get("runAsUser") == 0]
    found = setters(pod_bad, bad)
    return ("runAsUser=0", f"{' and '.join(found)} must not set runAsUser=0") if found else None


def seccomp_profile_restricted(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> Result:
    def good(profile: Mapping[str, Any]) -> bool:
        return profile.get("type") in GOOD_PROFILES

    pod_bad, _, explicit, implicit = _explicit_and_implicit(spec, "seccompProfile", good)
    values = set()
    if pod_bad:
        values.add(str(security_context(spec)["seccompProfile"].get("type")))
    for container in containers_of(spec):
        profile = security_context(container).get("seccompProfile")
        if profile is not None and not good(profile):
            values.add(str(profile.get("type")))
    found = setters(pod_bad, explicit)
    if found:
        return "seccompProfile", (
            f"{' and '.join(found)} must not set securityContext.seccompProfile.type to {join_quote(sorted(values))}"
        )
    if implicit:
        return "seccompProfile", (
            f'pod or {named(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'
        )
    return None
