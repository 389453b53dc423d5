"""`meta.k8s.io/v1 Table` answers for `kubectl get`: the kind's strategy names the columns and fills the rows.

The server always sends every column, `-o wide` ones included (priority 1);
kubectl hides those unless asked, as with a real apiserver.
"""

from __future__ import annotations

import logging

log = logging.getLogger("apiserver.tables")


def _row_object(obj: dict, include: str) -> dict:
    if include == "Object":
        return obj
    if include == "None":
        return {}
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata", {})}


def _cells(strategy, obj: dict) -> list:
    try:
        return strategy.cells(obj)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        # A stored object the printer cannot read (written around the API) still gets a row.
        log.warning("cannot print %s; showing its name only", (obj.get("metadata") or {}).get("name"))
        cells = [""] * len(strategy.columns)
        for index, column in enumerate(strategy.columns):
            if column.format == "name":
                cells[index] = str((obj.get("metadata") or {}).get("name") or "")
        return cells


def to_table(record, objects: list[dict], *, list_metadata: dict, include_object: str = "Metadata") -> dict:
    strategy = record.strategy
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_metadata,
        "columnDefinitions": [column.definition() for column in strategy.columns],
        "rows": [{"cells": _cells(strategy, obj), "object": _row_object(obj, include_object)} for obj in objects],
    }
