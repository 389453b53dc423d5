"""Priority: a pod's `spec.priority` from its PriorityClass (or the global default), 403 for an unknown class;
at most one PriorityClass marked globalDefault (kube-apiserver's plugin/pkg/admission/priority).

    pod create ──► spec.priorityClassName named? that class, else the globalDefault one (lowest value), else 0
               ──► a spec.priority or preemptionPolicy given that differs from the class's ──► 403
    PriorityClass create / update with globalDefault while another one has it ──► 403
"""

from __future__ import annotations

from apiserver.admission import CREATE, UPDATE, AdmissionPlugin, Attributes, forbidden
from kubemini.api import registry

PRIORITY_CLASSES = registry.by_kind("PriorityClass")
DEFAULT_PREEMPTION_POLICY = "PreemptLowerPriority"


def default_class(classes: list[dict]) -> dict | None:
    defaults = [c for c in classes if c.get("globalDefault")]
    return min(defaults, key=lambda c: c.get("value", 0)) if defaults else None


class Priority(AdmissionPlugin):
    name = "Priority"

    def handles(self, attrs: Attributes) -> bool:
        if attrs.record.group == "scheduling.k8s.io" and attrs.record.kind == "PriorityClass":
            return attrs.operation in (CREATE, UPDATE) and attrs.subresource is None
        return attrs.creates("", "Pod")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        if attrs.record.kind != "Pod":
            return
        spec = attrs.obj.setdefault("spec", {})
        classes = await ctx.current_objects(PRIORITY_CLASSES)
        wanted = spec.get("priorityClassName")
        if wanted:
            found = next((c for c in classes if c["metadata"]["name"] == wanted), None)
            if found is None:
                raise forbidden(attrs, f"no PriorityClass with name {wanted} was found")
        else:
            found = default_class(classes)
            if found is not None:
                spec["priorityClassName"] = found["metadata"]["name"]
        value = found.get("value", 0) if found else 0
        if spec.get("priority") is not None and spec["priority"] != value:
            raise forbidden(
                attrs,
                f"the integer value of priority ({spec['priority']}) must not be provided in pod spec; "
                f"priority admission controller computed {value} from the given PriorityClass name",
            )
        spec["priority"] = value
        policy = (found or {}).get("preemptionPolicy") or DEFAULT_PREEMPTION_POLICY
        if spec.get("preemptionPolicy") is not None and spec["preemptionPolicy"] != policy:
            raise forbidden(
                attrs,
                f"the string value of PreemptionPolicy ({spec['preemptionPolicy']}) must not be provided in pod spec; "
                f"priority admission controller computed {policy} from the given PriorityClass name",
            )
        spec["preemptionPolicy"] = policy

    async def validate(self, ctx, attrs: Attributes) -> None:
        if attrs.record.kind != "PriorityClass" or not attrs.obj.get("globalDefault"):
            return
        current = default_class(await ctx.current_objects(PRIORITY_CLASSES))
        name = attrs.obj["metadata"].get("name")
        if current is not None and (attrs.operation == CREATE or current["metadata"]["name"] != name):
            raise forbidden(
                attrs,
                f"PriorityClass {current['metadata']['name']} is already marked as default. Only one default can exist",
            )
