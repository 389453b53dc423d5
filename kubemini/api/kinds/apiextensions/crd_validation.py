"""A CustomResourceDefinition's validation, with apiextensions-apiserver's field paths and messages.

crd ──validate_crd(crd, errors)──► metadata.name is <plural>.<group>; group, scope, names (DNS-1035
    labels, kinds); exactly one storage version; per version: a structural schema with compilable
    CEL rules and valid defaults, subresources, printer columns, selectable fields
(new, old) ──validate_crd_update──► immutable scope, stored versions still listed
"""

from __future__ import annotations

import re

import jsonpath

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.structural.building import from_structural
from kubemini.api.schema.structural.checking import structural_errors
from kubemini.api.schema.structural.validating import validate_value

SCOPES = ("Cluster", "Namespaced")
CONVERSIONS = ("None",)
COLUMN_TYPES = ("integer", "number", "string", "boolean", "date")
COLUMN_FORMATS = ("int32", "int64", "float", "double", "byte", "date", "date-time", "password")
APPROVAL_ANNOTATION = "api-approved.kubernetes.io"
MAX_SELECTABLE_FIELDS = 8
_KIND = re.compile(r"^[a-zA-Z]([-a-zA-Z0-9]*[a-zA-Z0-9])?$")
KIND_MESSAGE = "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?"


def _spec(crd: dict) -> dict:
    spec = crd.get("spec")
    return spec if isinstance(spec, dict) else {}


def validate_crd(crd: dict, errors: FieldErrors) -> None:
    spec = _spec(crd)
    group, names_spec = spec.get("group") or "", spec.get("names") or {}
    name = (crd.get("metadata") or {}).get("name") or ""
    plural = names_spec.get("plural") or ""
    if name and name != f"{plural}.{group}":
        errors.invalid("metadata.name", name, 'must be spec.names.plural+"."+spec.group')
    _validate_group(crd, group, errors)
    scope = spec.get("scope")
    if not scope:
        errors.required("spec.scope")
    elif scope not in SCOPES:
        errors.not_supported("spec.scope", scope, SCOPES)
    _validate_names(names_spec, "spec.names", errors)
    strategy = (spec.get("conversion") or {}).get("strategy")
    if strategy not in (None, *CONVERSIONS):
        errors.not_supported("spec.conversion.strategy", strategy, CONVERSIONS)
    if spec.get("preserveUnknownFields"):
        errors.invalid(
            "spec.preserveUnknownFields",
            True,
            "cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead",
        )
    _validate_versions(spec.get("versions"), errors)


def _validate_group(crd: dict, group: str, errors: FieldErrors) -> None:
    if not group:
        errors.required("spec.group")
        return
    if problem := names.dns1123_subdomain_problem(group):
        errors.invalid("spec.group", group, problem)
    elif "." not in group:
        errors.invalid("spec.group", group, "should be a domain with at least one dot")
    protected = group.endswith((".k8s.io", ".kubernetes.io")) or group in ("k8s.io", "kubernetes.io")
    annotations = (crd.get("metadata") or {}).get("annotations") or {}
    if protected and APPROVAL_ANNOTATION not in annotations:
        errors.required(
            f"metadata.annotations[{APPROVAL_ANNOTATION}]",
            f'protected groups must have approval annotation "{APPROVAL_ANNOTATION}", '
            "see https://github.com/kubernetes/enhancements/pull/1111",
        )


def _validate_names(spec_names: dict, path: str, errors: FieldErrors) -> None:
    for field in ("plural", "singular"):
        value = spec_names.get(field)
        if not value:
            if field == "plural":
                errors.required(f"{path}.plural")
            continue
        if problem := names.dns1035_label_problem(value):
            errors.invalid(f"{path}.{field}", value, problem)
    for field in ("kind", "listKind"):
        value = spec_names.get(field)
        if not value:
            if field == "kind":
                errors.required(f"{path}.kind")
            continue
        if not _KIND.match(value):
            errors.invalid(f"{path}.{field}", value, KIND_MESSAGE)
    if spec_names.get("kind") and spec_names.get("kind") == spec_names.get("listKind"):
        errors.invalid(f"{path}.listKind", spec_names["listKind"], "kind and listKind may not be the same")
    for field in ("shortNames", "categories"):
        for index, value in enumerate(spec_names.get(field) or []):
            if problem := names.dns1035_label_problem(str(value)):
                errors.invalid(f"{path}.{field}[{index}]", value, problem)


def _validate_versions(versions: object, errors: FieldErrors) -> None:
    if not versions:
        errors.invalid("spec.versions", [], "must have exactly one version marked as storage version")
        return
    seen: set[str] = set()
    for index, version in enumerate(versions):
        path = f"spec.versions[{index}]"
        version_name = version.get("name") or ""
        if not version_name:
            errors.required(f"{path}.name")
        elif problem := names.dns1035_label_problem(version_name):
            errors.invalid(f"{path}.name", version_name, problem)
        elif version_name in seen:
            errors.duplicate(f"{path}.name", version_name)
        seen.add(version_name)
        _validate_version(version, path, errors)
    if sum(1 for v in versions if v.get("storage")) != 1:
        errors.invalid(
            "spec.versions",
            [v.get("name") for v in versions],
            "must have exactly one version marked as storage version",
        )


def _validate_version(version: dict, path: str, errors: FieldErrors) -> None:
    raw = (version.get("schema") or {}).get("openAPIV3Schema")
    schema_path = f"{path}.schema.openAPIV3Schema"
    if raw is None:
        errors.required(schema_path, "schemas are required")
    else:
        before = len(errors.errors)
        structural_errors(raw, schema_path, errors)
        _walk_rules(raw, schema_path, errors)
        if len(errors.errors) == before:
            _validate_defaults(raw, schema_path, errors)
    subresources = version.get("subresources") or {}
    scale = subresources.get("scale")
    if isinstance(scale, dict):
        _validate_scale(scale, f"{path}.subresources.scale", errors)
    for index, column in enumerate(version.get("additionalPrinterColumns") or []):
        _validate_column(column, f"{path}.additionalPrinterColumns[{index}]", errors)
    fields = version.get("selectableFields") or []
    if len(fields) > MAX_SELECTABLE_FIELDS:
        errors.too_many(f"{path}.selectableFields", len(fields), MAX_SELECTABLE_FIELDS)
    for index, selectable in enumerate(fields):
        _validate_selectable(selectable, raw, f"{path}.selectableFields[{index}].jsonPath", errors)


def _walk_rules(raw: object, path: str, errors: FieldErrors) -> None:
    if not isinstance(raw, dict):
        return
    # Imported on first use: celpy and its grammar cost ~20 MB, and every component imports the registry.
    from kubemini.api.schema.structural.cel import rule_errors

    rule_errors(raw.get("x-kubernetes-validations"), path, errors)
    for name, sub in (raw.get("properties") or {}).items():
        _walk_rules(sub, f"{path}.properties[{name}]", errors)
    for key in ("items", "additionalProperties"):
        _walk_rules(raw.get(key), f"{path}.{key}", errors)


def _validate_defaults(raw: dict, path: str, errors: FieldErrors) -> None:
    """Each `default` must itself be valid against the schema it sits in."""
    if not isinstance(raw, dict):
        return
    if "default" in raw and path.count(".properties[") + path.count(".items") > 0:
        found = FieldErrors()
        validate_value(from_structural_fragment(raw), raw["default"], found, f"{path}.default")
        errors.extend(found)
    for name, sub in (raw.get("properties") or {}).items():
        _validate_defaults(sub, f"{path}.properties[{name}]", errors)
    for key in ("items", "additionalProperties"):
        if isinstance(raw.get(key), dict):
            _validate_defaults(raw[key], f"{path}.{key}", errors)


def from_structural_fragment(raw: dict):
    """A node for one property's schema (wrapped so the root rules do not apply)."""
    from kubemini.api.schema.structural.cel import compile_rules  # on first use, as in _walk_rules

    return from_structural({"type": "object", "properties": {"v": raw}}, compile_rules=compile_rules).fields["v"]


def _validate_scale(scale: dict, path: str, errors: FieldErrors) -> None:
    spec_path = scale.get("specReplicasPath") or ""
    if not spec_path:
        errors.required(f"{path}.specReplicasPath")
    elif not spec_path.startswith(".spec."):
        errors.invalid(f"{path}.specReplicasPath", spec_path, "should be a json path under .spec")
    status_path = scale.get("statusReplicasPath") or ""
    if not status_path:
        errors.required(f"{path}.statusReplicasPath")
    elif not status_path.startswith(".status."):
        errors.invalid(f"{path}.statusReplicasPath", status_path, "should be a json path under .status")
    selector = scale.get("labelSelectorPath")
    if selector and not selector.startswith((".spec.", ".status.")):
        errors.invalid(f"{path}.labelSelectorPath", selector, "should be a json path under either .spec or .status")


def _validate_column(column: dict, path: str, errors: FieldErrors) -> None:
    if not column.get("name"):
        errors.required(f"{path}.name")
    kind = column.get("type")
    if not kind:
        errors.required(f"{path}.type")
    elif kind not in COLUMN_TYPES:
        errors.not_supported(f"{path}.type", kind, COLUMN_TYPES)
    fmt = column.get("format")
    if fmt and fmt not in COLUMN_FORMATS:
        errors.not_supported(f"{path}.format", fmt, COLUMN_FORMATS)
    if (column.get("priority") or 0) < 0:
        errors.invalid(f"{path}.priority", column["priority"], "must be greater than or equal to 0")
    path_text = column.get("jsonPath") or ""
    if not path_text:
        errors.required(f"{path}.jsonPath")
    elif problem := json_path_problem(path_text):
        errors.invalid(f"{path}.jsonPath", path_text, problem)


def json_path_problem(path: str) -> str | None:
    try:
        jsonpath.compile("$" + path if path.startswith((".", "[")) else "$." + path)
    except jsonpath.JSONPathError as exc:
        return f"must be a simple json path: {str(exc).splitlines()[0]}"
    return None


def _validate_selectable(selectable: dict, raw: object, path: str, errors: FieldErrors) -> None:
    text = (selectable or {}).get("jsonPath") or ""
    if not text:
        errors.required(path)
        return
    node = raw if isinstance(raw, dict) else {}
    for part in text.lstrip(".").split("."):
        node = (node.get("properties") or {}).get(part) if isinstance(node, dict) else None
        if node is None:
            errors.invalid(path, text, "is an invalid path: does not refer to a valid field")
            return
    if node.get("type") not in ("string", "integer", "boolean") and not node.get("x-kubernetes-int-or-string"):
        errors.invalid(
            path,
            text,
            "must point to a field of type string, boolean or integer. Enum string fields and "
            "strings with formats are allowed.",
        )


def validate_crd_update(new: dict, old: dict, errors: FieldErrors) -> None:
    new_spec, old_spec = _spec(new), _spec(old)
    established = any(
        c.get("type") == "Established" and c.get("status") == "True"
        for c in ((old.get("status") or {}).get("conditions") or [])
    )
    if established and new_spec.get("scope") != old_spec.get("scope"):
        errors.invalid("spec.scope", new_spec.get("scope"), "field is immutable")
    listed = {v.get("name") for v in new_spec.get("versions") or []}
    for index, stored in enumerate((new.get("status") or {}).get("storedVersions") or []):
        if stored not in listed:
            errors.invalid(f"status.storedVersions[{index}]", stored, "must appear in spec.versions")
