"""Pod templates inside workloads: labels matching the selector, a valid pod spec, allowed restart policies."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.selectors import SelectorError, labels_match, selector_from_label_selector
from kubemini.api.validation.common import check_label_selector
from kubemini.api.validation.metadata import validate_annotations, validate_labels
from kubemini.api.validation.pod_spec import validate_pod_spec

ALWAYS = ("Always",)


def validate_template(
    template: dict | None,
    path: str,
    errors: FieldErrors,
    *,
    restart_policies: tuple[str, ...] = ALWAYS,
    claim_templates: frozenset[str] = frozenset(),
) -> None:
    if not template:
        errors.required(path)
        return
    metadata = template.get("metadata") or {}
    validate_labels(metadata.get("labels"), f"{path}.metadata.labels", errors)
    validate_annotations(metadata.get("annotations"), errors, path=f"{path}.metadata.annotations")
    spec = template.get("spec")
    validate_pod_spec(spec, f"{path}.spec", errors, claim_templates=claim_templates)
    policy = (spec or {}).get("restartPolicy", "Always")
    if policy not in restart_policies:
        errors.not_supported(f"{path}.spec.restartPolicy", policy, restart_policies)
    if (spec or {}).get("activeDeadlineSeconds") is not None and restart_policies == ALWAYS:
        errors.forbidden(f"{path}.spec.activeDeadlineSeconds", "activeDeadlineSeconds in ReplicaSet is not Supported")


def validate_selector_matches_template(
    spec: dict, errors: FieldErrors, *, selector_path: str = "spec.selector"
) -> None:
    """A workload's label selector: required, non-empty, and matching its template's labels."""
    selector = spec.get("selector")
    check_label_selector(selector, selector_path, errors, required=True)
    if not selector:
        return
    try:
        requirements = selector_from_label_selector(selector)
    except SelectorError:
        return
    if not requirements:
        errors.invalid(selector_path, selector, "empty selector is invalid for deployment")
        return
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if not labels_match(requirements, labels):
        errors.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")
