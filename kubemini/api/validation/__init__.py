"""Validation of objects on create and update; returns FieldErrors naming each bad field."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.validation.metadata import validate_metadata
from kubemini.api.validation.updates import validate_update
from kubemini.api.validation.workloads import VALIDATORS


def validate(kind: str, obj: dict, *, namespaced: bool, old: dict | None = None) -> FieldErrors:
    errors = FieldErrors()
    validate_metadata(obj.get("metadata"), errors, namespaced=namespaced, kind=kind)
    validator = VALIDATORS.get(kind)
    if validator is not None:
        validator(obj, errors)
    if old is not None:
        validate_update(kind, old, obj, errors)
    return errors


__all__ = ["validate"]
