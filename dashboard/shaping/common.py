"""What every row has: its key, namespace, name and creation time (the UI computes the age)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def object_key(obj: Mapping[str, Any]) -> str:
    meta = metadata(obj)
    namespace = meta.get("namespace")
    return f"{namespace}/{meta.get('name')}" if namespace else str(meta.get("name"))


def base_row(obj: Mapping[str, Any]) -> dict[str, Any]:
    meta = metadata(obj)
    return {
        "key": object_key(obj),
        "namespace": meta.get("namespace") or "",
        "name": meta.get("name") or "",
        "created": meta.get("creationTimestamp") or "",
    }


def fraction(done: int, total: int) -> float:
    """Progress in [0, 1]; nothing wanted counts as done."""
    if total <= 0:
        return 1.0
    return round(min(max(done, 0) / total, 1.0), 4)
