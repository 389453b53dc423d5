"""The PodSecurity admission plugin: a namespace's policy applied to pods and to the pod templates of workloads.

pod create (or new ephemeral containers) ──► exempt (namespace, user, runtime class)? ──► admitted
    enforce level fails ──► 403 `pods "p" is forbidden: violates PodSecurity "baseline:latest": ...`
    warn level fails    ──► Warning `would violate PodSecurity "restricted:latest": ...`
workload create / update (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob,
    ReplicationController, PodTemplate) ──► its template: enforce and warn failures are warnings only
namespace create / update ──► labels must parse (422); a stricter enforce level warns about the
    namespace's pods that would now be refused
    audit level fails   ──► audit annotation `pod-security.kubernetes.io/audit-violations` (pods and templates)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiserver.admission import CREATE, UPDATE, AdmissionPlugin, Attributes, forbidden, warnings
from apiserver.admission.pod_security.checks import PRIVILEGED, describe, failures
from apiserver.admission.pod_security.config import PodSecurityConfig
from apiserver.admission.pod_security.policy import LevelVersion, Policy, policy_of
from apiserver.errors import invalid
from apiserver.storage.errors import StorageError
from kubemini.api import registry

NAMESPACES = registry.by_kind("Namespace")
PODS = registry.by_kind("Pod")
WORKLOADS = {
    ("apps", "Deployment"),
    ("apps", "ReplicaSet"),
    ("apps", "StatefulSet"),
    ("apps", "DaemonSet"),
    ("batch", "Job"),
    ("batch", "CronJob"),
    ("", "ReplicationController"),
    ("", "PodTemplate"),
}
MAX_LISTED_PODS = 10


def pod_template(kind: str, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
    spec = obj.get("spec") or {}
    if kind == "PodTemplate":
        return obj.get("template")
    if kind == "CronJob":
        return ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
    return spec.get("template")


def significant_pod_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """Whether an update could change what the checks see (upstream isSignificantPodUpdate): containers
    added, an image changed, ephemeral containers added or changed. Labels, status, a deletion are not."""
    new_spec, old_spec = new.get("spec") or {}, old.get("spec") or {}
    for section in ("containers", "initContainers"):
        mine, theirs = new_spec.get(section) or [], old_spec.get(section) or []
        if len(mine) != len(theirs) or any(a.get("image") != b.get("image") for a, b in zip(mine, theirs, strict=True)):
            return True
    return (new_spec.get("ephemeralContainers") or []) != (old_spec.get("ephemeralContainers") or [])


def _violation(lv: LevelVersion, meta: Mapping, spec: Mapping) -> str | None:
    found = failures(lv.level, meta, spec)
    return describe(found) if found else None


class PodSecurity(AdmissionPlugin):
    name = "PodSecurity"

    def __init__(self, config: PodSecurityConfig | None = None):
        self.config = config or PodSecurityConfig()

    def handles(self, attrs: Attributes) -> bool:
        record = attrs.record
        if record.group == "" and record.kind == "Namespace":
            return attrs.operation in (CREATE, UPDATE) and attrs.subresource is None
        if record.group == "" and record.kind == "Pod":
            if attrs.operation == CREATE:
                return attrs.subresource is None
            return attrs.operation == UPDATE and attrs.subresource in (None, "ephemeralcontainers")
        return (
            (record.group, record.kind) in WORKLOADS
            and attrs.operation in (CREATE, UPDATE)
            and attrs.subresource is None
        )

    async def validate(self, ctx, attrs: Attributes) -> None:
        if attrs.record.kind == "Namespace":
            await self._validate_namespace(ctx, attrs)
            return
        if attrs.namespace in self.config.exempt_namespaces or ctx.user.name in self.config.exempt_usernames:
            return
        policy = await self._policy(ctx, attrs.namespace)
        if attrs.record.kind == "Pod":
            if attrs.operation == CREATE or significant_pod_update(attrs.obj, attrs.old or {}):
                self._check_pod(attrs, policy)
            return
        template = pod_template(attrs.record.kind, attrs.obj)
        if template is None:
            return
        if (
            attrs.operation == UPDATE
            and attrs.old is not None
            and pod_template(attrs.record.kind, attrs.old) == template
        ):
            return  # only a template change is worth a warning (scale, status, labels are not)
        meta, spec = template.get("metadata") or {}, template.get("spec") or {}
        for lv in dict.fromkeys((policy.enforce, policy.warn)):
            if (found := _violation(lv, meta, spec)) is not None:
                warnings.add(f'would violate PodSecurity "{lv}": {found}')
        _audit(policy, meta, spec)

    def _check_pod(self, attrs: Attributes, policy: Policy) -> None:
        meta, spec = attrs.obj.get("metadata") or {}, attrs.obj.get("spec") or {}
        if spec.get("runtimeClassName") in self.config.exempt_runtime_classes:
            return
        if (found := _violation(policy.enforce, meta, spec)) is not None:
            raise forbidden(attrs, f'violates PodSecurity "{policy.enforce}": {found}')
        if policy.warn != policy.enforce and (found := _violation(policy.warn, meta, spec)) is not None:
            warnings.add(f'would violate PodSecurity "{policy.warn}": {found}')
        _audit(policy, meta, spec)

    async def _policy(self, ctx, namespace: str) -> Policy:
        key = NAMESPACES.storage_key(namespace)
        found = ctx.cache(NAMESPACES).objects.get(key)
        if found is None:
            try:
                found = (await ctx.store.get(key)).obj
            except StorageError:
                found = {}
        return policy_of((found.get("metadata") or {}).get("labels"), self.config.defaults)[0]

    async def _validate_namespace(self, ctx, attrs: Attributes) -> None:
        labels = (attrs.obj.get("metadata") or {}).get("labels")
        policy, errors = policy_of(labels, self.config.defaults)
        name = (attrs.obj.get("metadata") or {}).get("name") or ""
        if errors:
            old_labels = ((attrs.old or {}).get("metadata") or {}).get("labels")
            if attrs.operation == CREATE or policy_of(old_labels, self.config.defaults)[1].errors != errors.errors:
                raise invalid(NAMESPACES, name, errors, kind="Namespace")
        if attrs.operation != UPDATE or attrs.old is None or name in self.config.exempt_namespaces:
            return
        old = policy_of(((attrs.old.get("metadata") or {}).get("labels")), self.config.defaults)[0]
        if old.enforce == policy.enforce or policy.enforce.level == PRIVILEGED:
            return
        await self._warn_existing_pods(ctx, name, policy.enforce)

    async def _warn_existing_pods(self, ctx, namespace: str, lv: LevelVersion) -> None:
        prefix = PODS.storage_prefix(namespace)
        pods = [o for k, o in ctx.cache(PODS).objects.items() if k.startswith(prefix)]
        grouped: dict[str, list[str]] = {}
        for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
            found = failures(lv.level, pod.get("metadata") or {}, pod.get("spec") or {})
            if found:
                grouped.setdefault(", ".join(reason for reason, _ in found), []).append(pod["metadata"]["name"])
        if not grouped:
            return
        warnings.add(f'existing pods in namespace "{namespace}" violate the new PodSecurity enforce level "{lv}"')
        for reasons, names in list(grouped.items())[:MAX_LISTED_PODS]:
            others = len(names) - 1
            who = f"{names[0]} (and {others} other {'pod' if others == 1 else 'pods'})" if others else names[0]
            warnings.add(f"{who}: {reasons}")


AUDIT_VIOLATIONS = "pod-security.kubernetes.io/audit-violations"


def _audit(policy: Policy, meta: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    """The audit level's violations, as upstream records them on the request's audit event."""
    if (found := _violation(policy.audit, meta, spec)) is not None:
        warnings.annotate(AUDIT_VIOLATIONS, f'would violate PodSecurity "{policy.audit}": {found}')
