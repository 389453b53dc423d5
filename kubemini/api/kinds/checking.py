"""The whole semantic check of one object of a kind: object meta, required fields, the strategy's rules.

    record + object (+ old) ──► validate_object_meta ──► check_required (schema) ──► strategy.validate
                                                                                   (+ validate_update)
                                                       ──► FieldErrors (the apiserver answers 422)

`schema_of(record)` is the kind's upstream schema node; typed decoding and
required-field checks both start from it.
"""

from __future__ import annotations

import functools

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.definitions import definition_for_kind
from kubemini.api.schema.nodes import ANY, Schema, schema_for
from kubemini.api.schema.required import check_required
from kubemini.api.validation.metadata import validate_object_meta

OPEN_OBJECT = Schema(ANY, preserve_unknown=True)


@functools.cache
def _builtin_schema(group: str, version: str, kind: str) -> Schema:
    name = definition_for_kind(group, version, kind)
    return schema_for(name) if name else OPEN_OBJECT


def schema_of(record) -> Schema:
    """The schema a record's objects are decoded and checked against (a CRD's strategy brings its own)."""
    own = getattr(record.strategy, "schema", None)
    if own is not None:
        return own
    return _builtin_schema(record.group, record.version, record.kind)


def validate_object(record, obj: dict, *, old: dict | None = None, schema: Schema | None = None) -> FieldErrors:
    errors = FieldErrors()
    strategy = record.strategy
    validate_object_meta(obj.get("metadata"), errors, namespaced=record.namespaced, name_problem=strategy.name_problem)
    check_required(schema or schema_of(record), obj, errors)
    strategy.validate(obj, errors)
    if old is not None:
        strategy.validate_update(obj, old, errors)
    return errors
