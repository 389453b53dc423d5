"""LimitRanger: a namespace's LimitRanges give containers their default requests and limits, and bound
what pods and claims may ask for (kube-apiserver's plugin/pkg/admission/limitranger).

    pod create ──► mutate: every LimitRange of the namespace (oldest name first) fills the requests and
                   limits containers lack; annotation kubernetes.io/limit-ranger says what was set
               ──► validate: min / max / maxLimitRequestRatio per Container and per Pod
    claim create / update ──► validate: storage min / max per PersistentVolumeClaim
    violations ──► 403 `pods "p" is forbidden: minimum cpu usage per Container is 100m, but request is 50m`
"""

from __future__ import annotations

from apiserver.admission import CREATE, UPDATE, AdmissionPlugin, Attributes, forbidden
from kubemini.api import registry
from kubemini.api.limit_ranges import (
    ANNOTATION,
    aggregate,
    apply_defaults,
    claim_violations,
    defaults,
    pod_violations,
)

LIMIT_RANGES = registry.by_kind("LimitRange")


async def namespace_limit_ranges(ctx, namespace: str) -> list[dict]:
    prefix = LIMIT_RANGES.storage_prefix(namespace)
    cache = ctx.cache(LIMIT_RANGES)
    if cache.ready.is_set():
        found = [obj for key, obj in cache.objects.items() if key.startswith(prefix)]
    else:
        found = [stored.obj for stored in (await ctx.store.list(prefix)).items]
    return sorted(found, key=lambda r: r["metadata"]["name"])


def _is(attrs: Attributes, kind: str) -> bool:
    return not attrs.record.group and attrs.record.kind == kind and attrs.subresource is None


class LimitRanger(AdmissionPlugin):
    name = "LimitRanger"

    def handles(self, attrs: Attributes) -> bool:
        if attrs.operation == CREATE:
            return _is(attrs, "Pod") or _is(attrs, "PersistentVolumeClaim")
        # A pod's containers cannot change after creation; a claim's request can grow.
        return attrs.operation == UPDATE and _is(attrs, "PersistentVolumeClaim")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        if attrs.record.kind != "Pod":
            return
        for limit_range in await namespace_limit_ranges(ctx, attrs.namespace):
            requests, limits = defaults(limit_range)
            note = apply_defaults(attrs.obj.setdefault("spec", {}), requests, limits)
            if note:
                attrs.obj.setdefault("metadata", {}).setdefault("annotations", {})[ANNOTATION] = note

    async def validate(self, ctx, attrs: Attributes) -> None:
        found: list[str] = []
        check = pod_violations if attrs.record.kind == "Pod" else claim_violations
        for limit_range in await namespace_limit_ranges(ctx, attrs.namespace):
            found += check(limit_range, attrs.obj)
        if found:
            raise forbidden(attrs, aggregate(found))
