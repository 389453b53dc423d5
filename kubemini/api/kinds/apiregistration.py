"""apiregistration.k8s.io/v1: APIServices (the apiserver lists every group-version it serves as one)."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy


def available_cell(obj: dict) -> str:
    for condition in printing.status(obj).get("conditions") or []:
        if condition.get("type") == "Available":
            status = condition.get("status", "Unknown")
            if status != "True" and condition.get("reason"):
                return f"{status} ({condition['reason']})"
            return status
    return "Unknown"


class APIServiceStrategy(Strategy):
    columns = (
        NAME,
        Column("Service", description="The reference to the service that hosts this API endpoint."),
        Column("Available", description="Whether this service is available."),
        AGE,
    )

    def initial_status(self, obj: dict) -> dict | None:
        return obj.get("status")  # the aggregator's own registrations arrive Available

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        name = printing.name(obj)
        version, _, group = name.partition(".")
        if spec.get("version") != version or (spec.get("group") or "") != group:
            errors.invalid(
                "metadata.name",
                name,
                f'must be `spec.version+"."+spec.group`: "{spec.get("version")}.{spec.get("group")}"',
            )
        if spec.get("groupPriorityMinimum") is not None and not 0 < spec["groupPriorityMinimum"] <= 20000:
            errors.invalid(
                "spec.groupPriorityMinimum", spec["groupPriorityMinimum"], "must be positive and less than 20000"
            )
        if spec.get("versionPriority") is not None and not 0 < spec["versionPriority"] <= 1000:
            errors.invalid("spec.versionPriority", spec["versionPriority"], "must be positive and less than 1000")

    def cells(self, obj: dict) -> list:
        service = printing.spec(obj).get("service")
        shown = f"{service.get('namespace')}/{service.get('name')}" if service else "Local"
        return [printing.name(obj), shown, available_cell(obj), printing.age(obj)]
