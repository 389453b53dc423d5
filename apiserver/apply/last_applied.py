"""kubectl's client-side-apply annotation, kept in step with server-side apply by manager "kubectl".

allowed_conflicts(live)   fields client-side apply last set to what they still are: taking them
                          over is the CSA → SSA upgrade, not a conflict (kube-apiserver's
                          lastAppliedManager)
sync(result, config)      an object that has the annotation gets the applied config in it
                          (lastAppliedUpdater), so a later client-side apply sees the truth
"""

from __future__ import annotations

import json

from apiserver.apply.fieldpath import FieldSet
from apiserver.apply.typed import compare, field_set
from kubemini.api.schema.nodes import Schema

ANNOTATION = "kubectl.kubernetes.io/last-applied-configuration"
KUBECTL = "kubectl"


def _annotation(obj: dict | None) -> str | None:
    annotations = ((obj or {}).get("metadata") or {}).get("annotations") or {}
    value = annotations.get(ANNOTATION)
    return value if isinstance(value, str) and value else None


def allowed_conflicts(live: dict | None, schema: Schema) -> FieldSet | None:
    text = _annotation(live)
    if text is None:
        return None
    try:
        last = json.loads(text)
    except ValueError:
        return None
    if not isinstance(last, dict):
        return None
    return field_set(last, schema).difference(compare(live, last, schema).modified)


def sync(result: dict, config: dict) -> None:
    if _annotation(result) is None:
        return
    applied = json.loads(json.dumps(config))
    annotations = (applied.get("metadata") or {}).get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(ANNOTATION, None)
        if not annotations:
            applied["metadata"].pop("annotations")
    text = json.dumps(applied, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n"
    result["metadata"]["annotations"][ANNOTATION] = text
