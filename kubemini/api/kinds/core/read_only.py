"""Bindings (create-only: they bind a pod) and ComponentStatuses (read-only, computed)."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import NAME, Column, Strategy


class BindingStrategy(Strategy):
    def validate(self, obj: dict, errors: FieldErrors) -> None:
        if not (obj.get("target") or {}).get("name"):
            errors.required("target.name")


class ComponentStatusStrategy(Strategy):
    columns = (
        NAME,
        Column("Status", description="Status of the component conditions"),
        Column("Message", description="Message of the component conditions"),
        Column("Error", description="Error of the component conditions"),
    )

    def cells(self, obj: dict) -> list:
        condition = next((c for c in obj.get("conditions") or [] if c.get("type") == "Healthy"), {})
        healthy = {"True": "Healthy", "False": "Unhealthy"}.get(condition.get("status", ""), "Unknown")
        return [printing.name(obj), healthy, condition.get("message", ""), condition.get("error", "")]
