"""What the apps/v1 workload kinds share: strategy names, template and selector checks, surge/unavailable."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.int_or_percent import scaled_value
from kubemini.api.kinds import printing
from kubemini.api.validation.common import (
    check_immutable,
    check_int_or_percent,
    check_non_negative,
)
from kubemini.api.validation.pod_template import validate_selector_matches_template, validate_template

DEPLOYMENT_STRATEGIES = ("RollingUpdate", "Recreate")
DAEMONSET_STRATEGIES = ("RollingUpdate", "OnDelete")
STATEFULSET_STRATEGIES = ("RollingUpdate", "OnDelete")
POD_MANAGEMENT_POLICIES = ("OrderedReady", "Parallel")
RETENTION = ("Retain", "Delete")
STATEFULSET_MUTABLE = (
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "revisionHistoryLimit",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
)
STATEFULSET_IMMUTABLE_MESSAGE = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
)


def validate_workload(obj: dict, errors: FieldErrors) -> dict:
    spec = obj.get("spec") or {}
    validate_selector_matches_template(spec, errors)
    claims = frozenset(str((c.get("metadata") or {}).get("name")) for c in spec.get("volumeClaimTemplates") or [])
    validate_template(spec.get("template"), "spec.template", errors, claim_templates=claims)
    check_non_negative(spec.get("replicas"), "spec.replicas", errors)
    check_non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", errors)
    check_non_negative(spec.get("revisionHistoryLimit"), "spec.revisionHistoryLimit", errors)
    return spec


def selector_immutable(new: dict, old: dict, errors: FieldErrors) -> None:
    check_immutable(printing.spec(new).get("selector"), printing.spec(old).get("selector"), "spec.selector", errors)


def check_surge_unavailable(rolling: dict, path: str, errors: FieldErrors, *, defaults: tuple) -> None:
    surge, unavailable = rolling.get("maxSurge", defaults[0]), rolling.get("maxUnavailable", defaults[1])
    check_int_or_percent(surge, f"{path}.maxSurge", errors)
    check_int_or_percent(unavailable, f"{path}.maxUnavailable", errors)
    try:
        surge_zero, unavailable_zero = (
            scaled_value(surge, 100, round_up=True) == 0,
            scaled_value(unavailable, 100, round_up=True) == 0,
        )
    except ValueError:
        return
    if surge_zero and unavailable_zero:
        errors.invalid(f"{path}.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0")
    if isinstance(unavailable, str) and unavailable.endswith("%") and int(unavailable[:-1]) > 100:
        errors.invalid(f"{path}.maxUnavailable", unavailable, "must not be greater than 100%")


def selector_text(selector: dict | None) -> str:
    """A Deployment's SELECTOR cell: like other workloads', but empty rather than `<none>`."""
    text = printing.label_selector(selector)
    return "" if text == printing.NONE else text
