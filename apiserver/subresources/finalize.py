"""`namespaces/finalize`: only `spec.finalizers` changes (the namespace controller empties it when done)."""

from __future__ import annotations


def finalized(namespace: dict, body: dict) -> dict:
    namespace.setdefault("spec", {})["finalizers"] = list((body.get("spec") or {}).get("finalizers") or [])
    return namespace
