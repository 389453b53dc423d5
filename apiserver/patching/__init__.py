"""PATCH bodies: JSON merge patch, JSON patch and strategic merge patch."""

from __future__ import annotations

from apiserver.errors import ApiError
from apiserver.patching.json_patch import apply_json_patch
from apiserver.patching.merge_patch import apply_merge_patch
from apiserver.patching.strategic import apply_strategic_merge_patch

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


def apply_patch(kind: str, document: dict, patch: object) -> dict:
    if kind == "json":
        return apply_json_patch(document, patch)
    if kind == "strategic":
        return apply_strategic_merge_patch(document, patch)
    return apply_merge_patch(document, patch)


__all__ = ["apply_patch", "patch_type"]
