"""policy/v1: PodDisruptionBudgets."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_int_or_percent, check_label_selector, check_one_of

UNHEALTHY_POD_EVICTION_POLICIES = ("IfHealthyBudget", "AlwaysAllow")


class PodDisruptionBudgetStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column(
            "Min Available",
            description="The minimum number of pods that must be available simultaneously. This can be either "
            'an integer or a string specifying a percentage, e.g. "28%".',
        ),
        Column(
            "Max Unavailable",
            description="The maximum number of pods that may be unavailable simultaneously. This can be either "
            'an integer or a string specifying a percentage, e.g. "28%".',
        ),
        Column(
            "Allowed Disruptions",
            type="integer",
            description="Calculated number of pods that may be disrupted at this time.",
        ),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        if spec.get("minAvailable") is not None and spec.get("maxUnavailable") is not None:
            errors.invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set")
        check_int_or_percent(spec.get("minAvailable"), "spec.minAvailable", errors)
        check_int_or_percent(spec.get("maxUnavailable"), "spec.maxUnavailable", errors)
        check_label_selector(spec.get("selector"), "spec.selector", errors)
        check_one_of(
            spec.get("unhealthyPodEvictionPolicy"),
            "spec.unhealthyPodEvictionPolicy",
            UNHEALTHY_POD_EVICTION_POLICIES,
            errors,
        )

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        shown = [str(spec[k]) if spec.get(k) is not None else "N/A" for k in ("minAvailable", "maxUnavailable")]
        return [printing.name(obj), *shown, printing.status(obj).get("disruptionsAllowed", 0), printing.age(obj)]
