"""The strategy of one served version of a custom resource: everything comes from its CRD.

    CRD version ──CustomResourceStrategy(...)──► schema (structural nodes: pruning, types, defaults,
        value rules, CEL), table columns (additionalPrinterColumns by JSONPath, or Name + Age),
        selectable fields, the scale subresource's paths, the deprecation warning, and the
        conversion to the storage version (`conversion.strategy: None`: only apiVersion changes)

A write runs: typed decoding (prune) → default → validate (schema values, then CEL unless the
object has type errors) → validate_update (CEL transition rules against the old object).
"""

from __future__ import annotations

import json

import jsonpath

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import NAME, Column, Strategy
from kubemini.api.schema.nodes import Schema
from kubemini.api.schema.structural.defaulting import apply_defaults
from kubemini.api.schema.structural.validating import validate_value

AGE = Column(
    "Age",
    type="date",
    description="CreationTimestamp is a timestamp representing the server time when this object was created. "
    "It is not guaranteed to be set in happens-before order across separate operations. Clients may not set "
    "this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null "
    "for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md"
    "#metadata",
)
AGE_PATH = ".metadata.creationTimestamp"
BLOCKED_RULES = (
    "some validation rules were not checked because the object was invalid; correct the existing errors to "
    "complete validation"
)


def compile_path(path: str):
    return jsonpath.compile("$" + path if path.startswith((".", "[")) else "$." + path)


def first_value(compiled, obj: dict) -> object:
    try:
        found = compiled.findall(obj)
    except (jsonpath.JSONPathError, TypeError, ValueError):
        return None
    return found[0] if found else None


def _json_cell(kind: str, value: object) -> object:
    """Upstream's cellForJSONValue: a cell of the column's type, or None (kubectl shows <none>)."""
    if value is None:
        return None
    if kind == "integer":
        if isinstance(value, bool):
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        return value if isinstance(value, int) else None
    if kind == "number":
        return value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        return printing.since(value) if isinstance(value, str) else None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def field_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


class CustomResourceStrategy(Strategy):
    tracks_generation = True
    terminating = False  # set while the CRD is being deleted: creates are refused
    accepts_strategic_merge = False  # no patch strategies in a CRD: merge and JSON patches only (415)

    def __init__(
        self,
        *,
        schema: Schema,
        group: str,
        version: dict,
        kind: str,
        storage_api_version: str,
        warning: str | None = None,
    ):
        self.schema = schema
        self.raw_schema = (version.get("schema") or {}).get("openAPIV3Schema")  # served as OpenAPI
        self.api_version = f"{group}/{version['name']}"
        self.storage_api_version = storage_api_version
        self.deprecation_warning = warning
        subresources = version.get("subresources") or {}
        self.has_status_subresource = "status" in subresources
        self.scale_paths = subresources.get("scale")
        printer = [c for c in version.get("additionalPrinterColumns") or [] if isinstance(c, dict)]
        if not printer:
            printer = [{"name": "Age", "type": "date", "jsonPath": AGE_PATH}]
        self._printer = [(c.get("type") or "string", compile_path(c["jsonPath"])) for c in printer]
        self.columns = (NAME,) + tuple(
            AGE
            if c["name"] == "Age" and c["jsonPath"] == AGE_PATH and not c.get("description")
            else Column(
                c["name"],
                type=c.get("type") or "string",
                format=c.get("format") or "",
                priority=int(c.get("priority") or 0),
                description=c.get("description")
                or "Custom resource definition column (in JSONPath format): " + c["jsonPath"],
            )
            for c in printer
        )
        selectable = [s["jsonPath"] for s in version.get("selectableFields") or [] if s.get("jsonPath")]
        self.field_labels = tuple(path.lstrip(".") for path in selectable)
        self._selectable = [(path.lstrip("."), compile_path(path)) for path in selectable]

    # -- writes -----------------------------------------------------------------------------

    def default(self, obj: dict) -> None:
        apply_defaults(self.schema, obj)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        found = FieldErrors()
        validate_value(self.schema, obj, found)
        errors.extend(found)
        if any(e.reason == "FieldValueTypeInvalid" for e in found.errors):
            errors.invalid("<nil>", None, BLOCKED_RULES)
            return
        from kubemini.api.schema.structural.cel import validate_rules  # on first use: celpy costs ~20 MB

        validate_rules(self.schema, obj, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        from kubemini.api.schema.structural.cel import validate_rules  # on first use, as in validate

        if not any(e.reason == "FieldValueTypeInvalid" for e in errors.errors):
            validate_rules(self.schema, new, errors, old=old, updating=True)

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        self.validate(new, errors)
        self.validate_update(new, old, errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        ignored = ("metadata", "status") if self.has_status_subresource else ("metadata",)
        return {k: v for k, v in new.items() if k not in ignored} != {k: v for k, v in old.items() if k not in ignored}

    # -- /scale ---------------------------------------------------------------------------

    def scale_values(self, obj: dict) -> tuple[int, int, str]:
        """(spec replicas, status replicas, selector) at the CRD's scale paths."""
        paths = self.scale_paths or {}
        spec = first_value(compile_path(paths["specReplicasPath"]), obj) if paths.get("specReplicasPath") else 0
        status = first_value(compile_path(paths["statusReplicasPath"]), obj) if paths.get("statusReplicasPath") else 0
        selector = first_value(compile_path(paths["labelSelectorPath"]), obj) if paths.get("labelSelectorPath") else ""
        as_int = lambda v: v if isinstance(v, int) and not isinstance(v, bool) else 0  # noqa: E731
        return as_int(spec), as_int(status), selector if isinstance(selector, str) else ""

    def with_replicas(self, obj: dict, replicas: int) -> dict:
        parts = (self.scale_paths or {}).get("specReplicasPath", ".spec.replicas").lstrip(".").split(".")
        node = obj
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        node[parts[-1]] = replicas
        return obj

    # -- versions ---------------------------------------------------------------------------

    def to_storage(self, obj: dict) -> dict:
        obj["apiVersion"] = self.storage_api_version
        return obj

    def from_storage(self, obj: dict) -> dict:
        obj["apiVersion"] = self.api_version
        return obj

    # -- reads ------------------------------------------------------------------------------

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        for label, compiled in self._selectable:
            values[label] = field_text(first_value(compiled, obj))
        return values

    def cells(self, obj: dict) -> list:
        return [printing.name(obj)] + [_json_cell(kind, first_value(path, obj)) for kind, path in self._printer]
