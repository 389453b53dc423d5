"""ObjectMeta rules: names, namespace, labels, annotations, owner references, finalizers."""

from __future__ import annotations

from collections.abc import Callable

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors

ANNOTATIONS_MAX_BYTES = 256 * 1024
GENERATE_NAME_SUFFIX = 5


def validate_object_meta(
    metadata: dict | None,
    errors: FieldErrors,
    *,
    namespaced: bool,
    name_problem: Callable[[str], str | None],
) -> None:
    if not metadata:
        errors.required("metadata")
        return
    name = metadata.get("name")
    if not name:
        errors.required("metadata.name")  # a generateName was turned into a name before this
    elif problem := name_problem(name):
        errors.invalid("metadata.name", name, problem)
    if namespaced:
        namespace = metadata.get("namespace")
        if not namespace:
            errors.required("metadata.namespace")
        elif problem := names.dns1123_label_problem(namespace):
            errors.invalid("metadata.namespace", namespace, problem)
    elif metadata.get("namespace"):
        errors.forbidden("metadata.namespace", "not allowed on this type")
    validate_labels(metadata.get("labels"), "metadata.labels", errors)
    validate_annotations(metadata.get("annotations"), errors)
    _validate_owner_references(metadata.get("ownerReferences"), errors)
    _validate_finalizers(metadata.get("finalizers"), errors)


def validate_labels(labels: dict | None, path: str, errors: FieldErrors) -> None:
    for key, value in (labels or {}).items():
        if problem := names.qualified_name_problem(key):
            errors.invalid(path, key, problem)
        if problem := names.label_value_problem(value):
            errors.invalid(path, value, problem)


def validate_annotations(annotations: dict | None, errors: FieldErrors, *, path: str = "metadata.annotations") -> None:
    if not annotations:
        return
    for key in annotations:
        if problem := names.qualified_name_problem(key.lower()):
            errors.invalid(path, key, problem)
    if sum(len(key) + len(str(value)) for key, value in annotations.items()) > ANNOTATIONS_MAX_BYTES:
        errors.too_long(path, ANNOTATIONS_MAX_BYTES)


def _validate_owner_references(references: list | None, errors: FieldErrors) -> None:
    controllers = 0
    for index, reference in enumerate(references or []):
        where = f"metadata.ownerReferences[{index}]"
        for field in ("apiVersion", "kind", "name", "uid"):
            if not reference.get(field):
                errors.required(f"{where}.{field}")
        controllers += bool(reference.get("controller"))
    if controllers > 1:
        errors.invalid("metadata.ownerReferences", references, "Only one reference can have Controller set to true")


def _validate_finalizers(finalizers: list | None, errors: FieldErrors) -> None:
    seen: set[str] = set()
    for index, finalizer in enumerate(finalizers or []):
        if problem := names.qualified_name_problem(finalizer):
            errors.invalid(f"metadata.finalizers[{index}]", finalizer, problem)
        if finalizer in seen:
            errors.duplicate(f"metadata.finalizers[{index}]", finalizer)
        seen.add(finalizer)
