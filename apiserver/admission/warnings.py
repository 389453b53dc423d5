"""Warnings an admission plugin gives back with a write (PodSecurity `warn`), sent as `Warning` headers.

    serve(request) ──► collect() opens an empty list for this request (a ContextVar: one per task)
    plugin.validate ──► add("would violate PodSecurity ...")
    serve ──► every collected text, once, as `Warning: 299 - "..."` on the response

A write outside a request (the server's own bootstrap) collects into nothing.
"""

from __future__ import annotations

from contextvars import ContextVar

_collected: ContextVar[list[str] | None] = ContextVar("admission_warnings", default=None)


def collect() -> list[str]:
    """Start collecting for the current request; the list fills as plugins warn."""
    warnings: list[str] = []
    _collected.set(warnings)
    return warnings


def add(text: str) -> None:
    warnings = _collected.get()
    if warnings is not None and text not in warnings:  # a retried write warns once
        warnings.append(text)
