"""Value validation of a custom resource against its structural schema, with upstream's messages.

    (root node, object) ──validate_value──► FieldErrors, e.g.
        spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"
        spec.replicas: Invalid value: 15: spec.replicas in body should be less than or equal to 10
        spec.color: Unsupported value: "pink": supported values: "red", "green"
        spec.tags[1]: Duplicate value: "a"                                  (x-kubernetes-list-type: set)

Required fields are reported by `kubemini.api.schema.required` (shared with built-in kinds);
`metadata` (ObjectMeta) is checked by the object-meta rules. Type errors stop the walk below
them, as kube-openapi's validator does.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import math
import re
import uuid

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.nodes import ANY, BOOLEAN, INT_OR_STRING, INTEGER, LIST, MAP, NUMBER, OBJECT, STRING, Schema

_TYPE_NAMES = {OBJECT: "object", MAP: "object", LIST: "array", STRING: "string", INTEGER: "integer"}
_TYPE_NAMES |= {NUMBER: "number", BOOLEAN: "boolean", INT_OR_STRING: "integer,string"}
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d|w))+$")
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$"
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_MAC = re.compile(r"^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$")
_URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S*$")
INT32 = (-(2**31), 2**31 - 1)


def json_type(value: object) -> str:
    """The JSON type name kube-openapi reports for a value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _fits(kind: str, value: object) -> bool:
    if kind == ANY:
        return True
    if kind in (OBJECT, MAP):
        return isinstance(value, dict)
    if kind == LIST:
        return isinstance(value, list)
    if kind == STRING:
        return isinstance(value, str)
    if kind == BOOLEAN:
        return isinstance(value, bool)
    if kind == INTEGER:
        return json_type(value) == "integer"
    if kind == NUMBER:
        return json_type(value) in ("integer", "number")
    if kind == INT_OR_STRING:
        return isinstance(value, str) or json_type(value) == "integer"
    return True


def _number(value: float) -> str:
    """Go's %v of a bound: 10, 1.5, 1e+21."""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    return str(value)


def _format_ok(fmt: str, value: str) -> bool:
    checks = {
        "date-time": lambda v: bool(_DATE_TIME.match(v)),
        "datetime": lambda v: bool(_DATE_TIME.match(v)),
        "date": lambda v: bool(_DATE.match(v)),
        "duration": lambda v: bool(_DURATION.match(v)),
        "hostname": lambda v: bool(_HOSTNAME.match(v)),
        "email": lambda v: bool(_EMAIL.match(v)),
        "mac": lambda v: bool(_MAC.match(v)),
        "uri": lambda v: bool(_URI.match(v)),
    }
    if fmt in checks:
        return checks[fmt](value)
    try:
        if fmt == "byte":
            base64.b64decode(value, validate=True)
        elif fmt == "ipv4":
            ipaddress.IPv4Address(value)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(value)
        elif fmt == "cidr":
            ipaddress.ip_network(value, strict=False)
        elif fmt in ("uuid", "uuid3", "uuid4", "uuid5"):
            parsed = uuid.UUID(value)
            return fmt == "uuid" or parsed.version == int(fmt[-1])
    except (ValueError, binascii.Error):
        return False
    return True  # formats kube-openapi does not know are not checked


def _shown(value: object) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), sort_keys=True)


def _map_key(item: dict, keys: tuple[str, ...]) -> str:
    entries = ",".join(f'"{k}":{json.dumps(item.get(k))}' for k in keys if k in item)
    return "map[string]interface {}{" + entries + "}"


def validate_value(schema: Schema, value: object, errors: FieldErrors, path: str = "") -> None:
    """Every value rule of the structural `schema` that `value` (at `path`) breaks, added to `errors`."""
    if not schema.structural:
        return  # ObjectMeta and other built-in shapes: checked by their own rules
    if value is None:
        if not schema.nullable and schema.kind != ANY:
            errors.type_invalid(path, "null", f'{path} in body must be of type {_TYPE_NAMES[schema.kind]}: "null"')
        return
    if not _fits(schema.kind, value):
        expected = _TYPE_NAMES[schema.kind]
        errors.type_invalid(path, json_type(value), f'{path} in body must be of type {expected}: "{json_type(value)}"')
        return
    constraints = schema.constraints
    if constraints is not None:
        _check_constraints(schema, constraints, value, path, errors)
    if schema.format and isinstance(value, str) and not _format_ok(schema.format, value):
        errors.invalid(path, value, f'{path} in body must be of type {schema.format}: "{value}"')
    if schema.kind == INTEGER and schema.format == "int32" and not INT32[0] <= value <= INT32[1]:
        errors.invalid(path, value, f'{path} in body must be of type int32: "{_number(value)}"')
    if isinstance(value, dict):
        _walk_object(schema, value, path, errors)
    elif isinstance(value, list) and schema.items is not None:
        for index, item in enumerate(value):
            validate_value(schema.items, item, errors, f"{path}[{index}]")
        _check_list_type(schema, value, path, errors)


def _walk_object(schema: Schema, value: dict, path: str, errors: FieldErrors) -> None:
    if schema.kind == MAP and schema.items is not None:
        for key, item in value.items():
            validate_value(schema.items, item, errors, f"{path}.{key}" if path else key)
        return
    for key, item in value.items():
        child = schema.fields.get(key)
        if child is not None:
            validate_value(child, item, errors, f"{path}.{key}" if path else key)
    if schema.embedded_resource:
        for key in ("apiVersion", "kind"):
            if not value.get(key):
                errors.required(f"{path}.{key}", "must not be empty")


def _check_list_type(schema: Schema, value: list, path: str, errors: FieldErrors) -> None:
    if schema.list_type == "set":
        seen: set[str] = set()
        for index, item in enumerate(value):
            key = json.dumps(item, sort_keys=True)
            if key in seen:
                errors.duplicate(f"{path}[{index}]", item)
            seen.add(key)
    elif schema.list_type == "map" and schema.list_map_keys:
        seen = set()
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            key = json.dumps([item.get(k) for k in schema.list_map_keys])
            if key in seen:
                errors.duplicate_text(f"{path}[{index}]", _map_key(item, schema.list_map_keys))
            seen.add(key)


def _check_constraints(schema: Schema, rules, value: object, path: str, errors: FieldErrors) -> None:
    name = f"{path} in body"
    if rules.enum and value not in rules.enum:
        errors.not_supported(path, value, tuple(_shown(v) for v in rules.enum))
    if isinstance(value, str):
        _check_string(rules, value, path, name, errors)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        _check_number(rules, value, path, name, errors)
    elif isinstance(value, list):
        if rules.min_items is not None and len(value) < rules.min_items:
            errors.invalid(path, value, f"{name} should have at least {rules.min_items} items")
        if rules.max_items is not None and len(value) > rules.max_items:
            errors.too_many(path, len(value), rules.max_items)
    elif isinstance(value, dict):
        if rules.min_properties is not None and len(value) < rules.min_properties:
            errors.invalid(path, value, f"{name} should have at least {rules.min_properties} properties")
        if rules.max_properties is not None and len(value) > rules.max_properties:
            errors.too_many(path, len(value), rules.max_properties)
    _check_junctors(rules, value, path, errors)


def _check_string(rules, value: str, path: str, name: str, errors: FieldErrors) -> None:
    if rules.max_length is not None and len(value) > rules.max_length:
        errors.too_long(path, rules.max_length)
    if rules.min_length is not None and len(value) < rules.min_length:
        errors.invalid(path, value, f"{name} should be at least {rules.min_length} chars long")
    if rules.pattern and re.search(rules.pattern, value) is None:
        errors.invalid(path, value, f"{name} should match '{rules.pattern}'")


def _check_number(rules, value: float, path: str, name: str, errors: FieldErrors) -> None:
    if rules.maximum is not None:
        if rules.exclusive_maximum and value >= rules.maximum:
            errors.invalid(path, value, f"{name} should be less than {_number(rules.maximum)}")
        elif value > rules.maximum:
            errors.invalid(path, value, f"{name} should be less than or equal to {_number(rules.maximum)}")
    if rules.minimum is not None:
        if rules.exclusive_minimum and value <= rules.minimum:
            errors.invalid(path, value, f"{name} should be greater than {_number(rules.minimum)}")
        elif value < rules.minimum:
            errors.invalid(path, value, f"{name} should be greater than or equal to {_number(rules.minimum)}")
    if rules.multiple_of:
        quotient = value / rules.multiple_of
        if not math.isclose(quotient, round(quotient), rel_tol=0, abs_tol=1e-9):
            errors.invalid(path, value, f"{name} should be a multiple of {_number(rules.multiple_of)}")


def _passes(schema: Schema, value: object, path: str) -> FieldErrors:
    found = FieldErrors()
    _check_nested(schema, value, path, found)
    return found


def _check_nested(schema: Schema, value: object, path: str, errors: FieldErrors) -> None:
    """A junctor's schema: its rules, required fields and nested properties/items, no type of its own."""
    if schema.constraints is not None:
        _check_constraints(schema, schema.constraints, value, path, errors)
    if schema.format and isinstance(value, str) and not _format_ok(schema.format, value):
        errors.invalid(path, value, f'{path} in body must be of type {schema.format}: "{value}"')
    if isinstance(value, dict):
        for required in schema.required:
            if required not in value:
                errors.required(f"{path}.{required}" if path else required)
        for key, child in schema.fields.items():
            if key in value:
                _check_nested(child, value[key], f"{path}.{key}" if path else key, errors)
    elif isinstance(value, list) and schema.items is not None:
        for index, item in enumerate(value):
            _check_nested(schema.items, item, f"{path}[{index}]", errors)


def _check_junctors(rules, value: object, path: str, errors: FieldErrors) -> None:
    name = f"{path} in body" if path else "in body"
    for nested in rules.all_of:
        _check_nested(nested, value, path, errors)
    if rules.any_of and all(_passes(nested, value, path) for nested in rules.any_of):
        errors.invalid(path, json_type(value), f"{name} must match at least one schema in anyOf")
    if rules.one_of:
        matching = sum(1 for nested in rules.one_of if not _passes(nested, value, path))
        if matching != 1:
            errors.invalid(path, json_type(value), f"{name} must validate one and only one schema (oneOf)")
    if rules.not_ is not None and not _passes(rules.not_, value, path):
        errors.invalid(path, json_type(value), f"{name} must not validate the schema (not)")
