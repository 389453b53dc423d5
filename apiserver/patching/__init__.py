"""PATCH bodies: JSON merge patch, JSON patch and strategic merge patch (schema-driven list semantics)."""

from __future__ import annotations

from apiserver.errors import ApiError
from apiserver.patching.json_patch import apply_json_patch
from apiserver.patching.merge_patch import apply_merge_patch
from apiserver.patching.strategic import apply_strategic_merge_patch
from kubemini.api.kinds.checking import schema_of
from kubemini.api.schema.nodes import schema_for

SCALE_DEFINITION = "io.k8s.api.autoscaling.v1.Scale"

PATCH_TYPES = {
    "application/merge-patch+json": "merge",
    "application/json-patch+json": "json",
    "application/strategic-merge-patch+json": "strategic",
    "application/apply-patch+yaml": "apply",
}


def patch_type(content_type: str) -> str:
    media = content_type.split(";")[0].strip().lower()
    kind = PATCH_TYPES.get(media)
    if kind is None:
        raise ApiError(
            415,
            f"the body of the request was in an unknown format - accepted media types include: "
            f"{', '.join(PATCH_TYPES)}",
            reason="UnsupportedMediaType",
        )
    return kind


def apply_patch(kind: str, document: dict, patch: object, *, record) -> dict:
    """The patched document; `record` gives strategic merge its list keys (None: a Scale).

    The result may share the parts a patch leaves alone with `document`: pass a copy you own."""
    if kind == "json":
        return apply_json_patch(document, patch)
    if kind == "strategic":
        schema = schema_of(record) if record is not None else schema_for(SCALE_DEFINITION)
        return apply_strategic_merge_patch(document, patch, schema)
    return apply_merge_patch(document, patch)


__all__ = ["apply_patch", "patch_type"]
