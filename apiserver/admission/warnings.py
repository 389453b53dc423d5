"""Warnings an admission plugin gives back with a write (PodSecurity `warn`), sent as `Warning` headers,
and annotations it adds to the request's audit event (PodSecurity `audit`).

    serve(request) ──► collect() opens an empty list for this request (a ContextVar: one per task)
    plugin.validate ──► add("would violate PodSecurity ...") / annotate(key, value)
    serve ──► every collected text, once, as `Warning: 299 - "..."` on the response;
              every annotation onto the audit event (apiserver/audit/events.py annotate)

A write outside a request (the server's own bootstrap) collects into nothing.
"""

from __future__ import annotations

from contextvars import ContextVar

_collected: ContextVar[list[str] | None] = ContextVar("admission_warnings", default=None)
_annotations: ContextVar[dict[str, str] | None] = ContextVar("admission_audit_annotations", default=None)


def collect() -> list[str]:
    """Start collecting for the current request; the list fills as plugins warn."""
    warnings: list[str] = []
    _collected.set(warnings)
    _annotations.set({})
    return warnings


def annotations() -> dict[str, str]:
    """The audit annotations the current request's plugins added."""
    return _annotations.get() or {}


def annotate(key: str, value: str) -> None:
    found = _annotations.get()
    if found is not None:
        found[key] = value


def add(text: str) -> None:
    warnings = _collected.get()
    if warnings is not None and text not in warnings:  # a retried write warns once
        warnings.append(text)
