"""ObjectMeta rules: names, namespace, labels, annotations."""

from __future__ import annotations

import json

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors

ANNOTATIONS_MAX_BYTES = 256 * 1024
# Kinds whose names must be DNS-1123 labels rather than subdomains.
_LABEL_NAMED_KINDS = {"Namespace", "Service"}


def validate_metadata(metadata: object, errors: FieldErrors, *, namespaced: bool, kind: str) -> None:
    if not isinstance(metadata, dict):
        errors.required("metadata")
        return
    name = metadata.get("name")
    if not name:
        errors.required("metadata.name")
    elif not isinstance(name, str):
        errors.invalid("metadata.name", name, "must be a string")
    else:
        check = names.dns1123_label_problem if kind in _LABEL_NAMED_KINDS else names.dns1123_subdomain_problem
        if problem := check(name):
            errors.invalid("metadata.name", name, problem)
    if namespaced:
        namespace = metadata.get("namespace")
        if not namespace:
            errors.required("metadata.namespace")
        elif not isinstance(namespace, str) or names.dns1123_label_problem(namespace):
            errors.invalid("metadata.namespace", namespace, "must be a lowercase RFC 1123 label")
    validate_labels(metadata.get("labels"), "metadata.labels", errors)
    validate_annotations(metadata.get("annotations"), errors)


def validate_labels(labels: object, path: str, errors: FieldErrors) -> None:
    if labels is None:
        return
    if not isinstance(labels, dict):
        errors.invalid(path, labels, "must be a map of string keys to string values")
        return
    for key, value in labels.items():
        if problem := names.qualified_name_problem(key):
            errors.invalid(path, key, problem)
        if not isinstance(value, str):
            errors.invalid(f"{path}.{key}", value, "label values must be strings")
        elif problem := names.label_value_problem(value):
            errors.invalid(path, value, problem)


def validate_annotations(annotations: object, errors: FieldErrors) -> None:
    if annotations is None:
        return
    if not isinstance(annotations, dict):
        errors.invalid("metadata.annotations", annotations, "must be a map of string keys to string values")
        return
    for key, value in annotations.items():
        if problem := names.qualified_name_problem(key):
            errors.invalid("metadata.annotations", key, problem)
        if not isinstance(value, str):
            errors.invalid(f"metadata.annotations.{key}", value, "annotation values must be strings")
    if len(json.dumps(annotations)) > ANNOTATIONS_MAX_BYTES:
        errors.invalid("metadata.annotations", "<too long>", "Too long: must have at most 262144 bytes")
