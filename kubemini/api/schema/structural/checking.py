"""Is a CRD version's schema structural, and usable by the apiserver? Upstream's rules and messages.

    openAPIV3Schema dict ──structural_errors(raw, path, errors)──► FieldErrors, e.g.
        spec.versions[0].schema.openAPIV3Schema.properties[spec].type: Required value:
            must not be empty for specified object fields

Two sets of rules, as in apiextensions-apiserver: the CRD API's own checks on
JSONSchemaProps (no `$ref`, no `uniqueItems`, list/map extensions well formed) and the
structural-schema invariants (a type everywhere, nothing but value validations under
allOf/anyOf/oneOf/not, metadata restricted to name and generateName at the root).
"""

from __future__ import annotations

import re

from kubemini.api.field_errors import FieldErrors

TYPES = ("array", "boolean", "integer", "number", "object", "string")
LIST_TYPES = ("atomic", "set", "map")
MAP_TYPES = ("granular", "atomic")
ROOT, ITEM, FIELD = "root", "item", "field"
_EMPTY_TYPE = {
    ROOT: "must not be empty at the root",
    ITEM: "must not be empty for specified array items",
    FIELD: "must not be empty for specified object fields",
}
JUNCTORS = ("allOf", "anyOf", "oneOf")
# Under a junctor only value validations may appear: (key, error kind, message).
_NESTED_FORBIDDEN = (
    ("type", "forbidden", "must be empty to be structural"),
    ("default", "forbidden", "must be undefined to be structural"),
    ("title", "forbidden", "must be empty to be structural"),
    ("description", "forbidden", "must be empty to be structural"),
    ("nullable", "forbidden", "must be false to be structural"),
    ("externalDocs", "forbidden", "must be undefined to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "forbidden", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "forbidden", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "forbidden", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "forbidden", "must be empty to be structural"),
    ("x-kubernetes-list-type", "forbidden", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "forbidden", "must be undefined to be structural"),
    ("x-kubernetes-validations", "forbidden", "must be empty to be structural"),
)
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def _child(path: str, key: str) -> str:
    return f"{path}.{key}"


def _property(path: str, name: str) -> str:
    return f"{path}.properties[{name}]"


def structural_errors(raw: object, path: str, errors: FieldErrors) -> None:
    """Every reason `raw` (a version's openAPIV3Schema) is refused, added to `errors`."""
    if not isinstance(raw, dict):
        errors.required(path)
        return
    _check(raw, ROOT, path, errors)


def _check(raw: dict, level: str, path: str, errors: FieldErrors) -> None:
    _check_api_rules(raw, path, errors)
    declared = raw.get("type") or ""
    properties = raw.get("properties") if isinstance(raw.get("properties"), dict) else {}
    items = raw.get("items")
    if declared == "array" and items is None:
        errors.required(_child(path, "items"), "must be specified")
    if isinstance(items, dict):
        _check(items, ITEM, _child(path, "items"), errors)
    elif isinstance(items, list):
        errors.forbidden(_child(path, "items"), "items must be a schema object and not an array")
    for name, sub in properties.items():
        if isinstance(sub, dict):
            _check(sub, FIELD, _property(path, name), errors)
    additional = raw.get("additionalProperties")
    if additional is not None:
        if level == ROOT:
            errors.forbidden(_child(path, "additionalProperties"), "must not be used at the root")
        if isinstance(additional, dict):
            _check(additional, FIELD, _child(path, "additionalProperties"), errors)
    _check_extensions(raw, path, errors)
    _check_junctors(raw, path, errors)
    embedded = bool(raw.get("x-kubernetes-embedded-resource"))
    open_ended = raw.get("x-kubernetes-int-or-string") or raw.get("x-kubernetes-preserve-unknown-fields")
    if embedded and declared != "object":
        if not declared:
            errors.required(_child(path, "type"), "must be object if x-kubernetes-embedded-resource is true")
        else:
            errors.invalid(_child(path, "type"), declared, "must be object if x-kubernetes-embedded-resource is true")
    elif not declared and not open_ended:
        errors.required(_child(path, "type"), _EMPTY_TYPE[level])
    if embedded and additional is not None:
        errors.forbidden(
            _child(path, "additionalProperties"), "must not be used if x-kubernetes-embedded-resource is set"
        )
    if level == ROOT and declared and declared != "object":
        errors.invalid(_child(path, "type"), declared, "must be object at the root")
    check_metadata = level == ROOT or embedded
    for meta_field in ("kind", "apiVersion"):
        sub = properties.get(meta_field)
        if check_metadata and isinstance(sub, dict) and sub.get("type") != "string":
            errors.invalid(_child(_property(path, meta_field), "type"), sub.get("type") or "", "must be string")
    metadata = properties.get("metadata")
    if isinstance(metadata, dict):
        _check_metadata(metadata, check_metadata, level, _property(path, "metadata"), errors)
    if embedded and not raw.get("x-kubernetes-preserve-unknown-fields") and not properties:
        errors.required(
            _child(path, "properties"),
            "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields",
        )


def _check_api_rules(raw: dict, path: str, errors: FieldErrors) -> None:
    """The CRD API's checks on one JSONSchemaProps (validation.go in apiextensions)."""
    declared = raw.get("type")
    if declared and declared not in TYPES:
        errors.not_supported(_child(path, "type"), declared, TYPES)
    if "$ref" in raw:
        errors.forbidden(_child(path, "$ref"), "$ref is not supported")
    if raw.get("uniqueItems") is True:
        errors.forbidden(
            _child(path, "uniqueItems"),
            "uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
        )
    additional = raw.get("additionalProperties")
    if additional is False:
        errors.forbidden(_child(path, "additionalProperties"), "additionalProperties cannot be set to false")
    if additional is not None and raw.get("properties"):
        errors.forbidden(
            _child(path, "additionalProperties"), "additionalProperties and properties are mutual exclusive"
        )
    if raw.get("x-kubernetes-preserve-unknown-fields") is False:
        errors.invalid(_child(path, "x-kubernetes-preserve-unknown-fields"), False, "must be true or undefined")
    pattern = raw.get("pattern")
    if isinstance(pattern, str) and pattern:
        try:
            re.compile(pattern)
        except re.error as exc:
            errors.invalid(_child(path, "pattern"), pattern, f"must be a valid regular expression, but isn't: {exc}")
    for bound in ("minimum", "maximum", "multipleOf"):
        if bound in raw and (isinstance(raw[bound], bool) or not isinstance(raw[bound], int | float)):
            errors.invalid(_child(path, bound), raw[bound], "must be a number")
    if isinstance(raw.get("multipleOf"), int | float) and raw["multipleOf"] <= 0:
        errors.invalid(_child(path, "multipleOf"), raw["multipleOf"], "must be greater than zero")


def _check_extensions(raw: dict, path: str, errors: FieldErrors) -> None:
    int_or_string = bool(raw.get("x-kubernetes-int-or-string"))
    if int_or_string and raw.get("x-kubernetes-preserve-unknown-fields"):
        errors.invalid(
            _child(path, "x-kubernetes-preserve-unknown-fields"),
            True,
            "must be false if x-kubernetes-int-or-string is true",
        )
    if int_or_string and raw.get("x-kubernetes-embedded-resource"):
        errors.invalid(
            _child(path, "x-kubernetes-embedded-resource"), True, "must be false if x-kubernetes-int-or-string is true"
        )
    list_type = raw.get("x-kubernetes-list-type")
    keys = raw.get("x-kubernetes-list-map-keys") or []
    items = raw.get("items") if isinstance(raw.get("items"), dict) else {}
    if list_type is not None:
        if raw.get("type") != "array":
            errors.invalid(
                _child(path, "type"), raw.get("type") or "", "must be array if x-kubernetes-list-type is specified"
            )
        elif list_type not in LIST_TYPES:
            errors.not_supported(_child(path, "x-kubernetes-list-type"), list_type, LIST_TYPES)
    if keys and list_type != "map":
        errors.forbidden(_child(path, "x-kubernetes-list-map-keys"), "requires x-kubernetes-list-type: map")
    if list_type == "map":
        if not keys:
            errors.required(
                _child(path, "x-kubernetes-list-map-keys"), "must not be empty if x-kubernetes-list-type is map"
            )
        if items.get("type") != "object":
            errors.invalid(
                _child(_child(path, "items"), "type"),
                items.get("type") or "",
                "must be object if parent array's x-kubernetes-list-type is map",
            )
        else:
            _check_map_keys(items, keys, _child(path, "items"), errors)
    if (
        list_type == "set"
        and items.get("type") in ("object", "array")
        and items.get("x-kubernetes-map-type") != "atomic"
    ):
        errors.invalid(
            _child(_child(path, "items"), "type"),
            items.get("type"),
            "must be a scalar type if parent array's x-kubernetes-list-type is set",
        )
    map_type = raw.get("x-kubernetes-map-type")
    if map_type is not None and map_type not in MAP_TYPES:
        errors.not_supported(_child(path, "x-kubernetes-map-type"), map_type, MAP_TYPES)


def _check_map_keys(items: dict, keys: list, path: str, errors: FieldErrors) -> None:
    properties = items.get("properties") or {}
    required = set(items.get("required") or ())
    for key in keys:
        sub = properties.get(key)
        if not isinstance(sub, dict):
            errors.required(_property(path, key), "entries specified in x-kubernetes-list-map-keys must be properties")
            continue
        if sub.get("type") not in ("string", "integer", "number", "boolean"):
            errors.invalid(_child(_property(path, key), "type"), sub.get("type") or "", "must be a scalar type")
        if key not in required and "default" not in sub:
            errors.required(
                _property(path, key),
                "all map keys must be required or have a default value",
            )


def _check_junctors(raw: dict, path: str, errors: FieldErrors) -> None:
    skip_any_of = raw.get("anyOf") == _INT_OR_STRING
    all_of = raw.get("allOf") or []
    skip_first = bool(all_of) and isinstance(all_of[0], dict) and all_of[0].get("anyOf") == _INT_OR_STRING
    for junctor in JUNCTORS:
        if junctor == "anyOf" and skip_any_of:
            continue
        for index, nested in enumerate(raw.get(junctor) or []):
            if isinstance(nested, dict):
                skip = junctor == "allOf" and index == 0 and skip_first
                _check_nested(nested, f"{path}.{junctor}[{index}]", errors, skip_any_of=skip)
    if isinstance(raw.get("not"), dict):
        _check_nested(raw["not"], _child(path, "not"), errors)


def _check_nested(raw: dict, path: str, errors: FieldErrors, *, skip_any_of: bool = False) -> None:
    for key, kind, message in _NESTED_FORBIDDEN:
        value = raw.get(key)
        if value in (None, False, "", [], {}) or (key == "type" and skip_any_of):
            continue
        getattr(errors, kind)(_child(path, key), message)
    if raw.get("additionalProperties") is not None:
        errors.forbidden(_child(path, "additionalProperties"), "must be undefined to be structural")
    if "metadata" in (raw.get("properties") or {}):
        errors.forbidden(_property(path, "metadata"), "must not be specified in a nested context")
    for name, sub in (raw.get("properties") or {}).items():
        if isinstance(sub, dict):
            _check_nested(sub, _property(path, name), errors)
    if isinstance(raw.get("items"), dict):
        _check_nested(raw["items"], _child(path, "items"), errors)
    for junctor in JUNCTORS:
        if junctor == "anyOf" and skip_any_of:
            continue
        for index, nested in enumerate(raw.get(junctor) or []):
            if isinstance(nested, dict):
                _check_nested(nested, f"{path}.{junctor}[{index}]", errors)
    if isinstance(raw.get("not"), dict):
        _check_nested(raw["not"], _child(path, "not"), errors)


def _check_metadata(raw: dict, check_metadata: bool, level: str, path: str, errors: FieldErrors) -> None:
    if check_metadata and raw.get("type") != "object":
        errors.invalid(_child(path, "type"), raw.get("type") or "", "must be object")
    if level != ROOT:
        return
    properties = set(raw.get("properties") or {})
    extra = {k for k in raw if k not in ("type", "properties", "description")}
    if extra or not properties <= {"name", "generateName"}:
        errors.forbidden(
            path,
            "must not specify anything other than name and generateName, but metadata is implicitly specified",
        )
