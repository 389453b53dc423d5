"""Priority: a pod's `spec.priority` from its PriorityClass (or the global default), 403 for an unknown class."""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin, Attributes
from apiserver.errors import ApiError
from kubemini.api import registry

PRIORITY_CLASSES = registry.by_kind("PriorityClass")
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"


class Priority(AdmissionPlugin):
    name = "Priority"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("", "Pod")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        spec = attrs.obj.setdefault("spec", {})
        classes = await ctx.current_objects(PRIORITY_CLASSES)
        wanted = spec.get("priorityClassName")
        if wanted:
            found = next((c for c in classes if c["metadata"]["name"] == wanted), None)
            if found is None:
                name = (attrs.obj.get("metadata") or {}).get("name") or ""
                raise ApiError(
                    403,
                    f'pods "{name}" is forbidden: no PriorityClass with name {wanted} was found',
                    reason="Forbidden",
                    details={"name": name, "kind": "pods"},
                )
        else:
            found = next((c for c in classes if c.get("globalDefault")), None)
            if found is not None:
                spec["priorityClassName"] = found["metadata"]["name"]
        value = found.get("value", 0) if found else 0
        if spec.get("priority") is not None and spec["priority"] != value:
            raise ApiError(
                403,
                "the integer value of priority must not be provided in pod spec; priority admission controller "
                f"computed {value} from the given PriorityClass name",
                reason="Forbidden",
            )
        spec["priority"] = value
        spec.setdefault("preemptionPolicy", (found or {}).get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY)
