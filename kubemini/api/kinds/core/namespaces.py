"""Namespaces: the `kubernetes` finalizer, phase Active, the `kubernetes.io/metadata.name` label."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy

NAME_LABEL = "kubernetes.io/metadata.name"
PHASES = ("Active", "Terminating")


class NamespaceStrategy(Strategy):
    returns_deleted_object = True
    field_labels = ("status.phase",)
    columns = (NAME, Column("Status", description="The status of the namespace"), AGE)

    def name_problem(self, name: str) -> str | None:
        return names.dns1123_label_problem(name)

    def initial_status(self, obj: dict) -> dict:
        return {"phase": "Active"}

    def default(self, obj: dict) -> None:
        obj.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
        metadata = obj.setdefault("metadata", {})
        name = metadata.get("name")
        if name:
            # Kept equal to the name on every write, as Kubernetes does (users may not change it).
            metadata.setdefault("labels", {})[NAME_LABEL] = name

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        for index, finalizer in enumerate((obj.get("spec") or {}).get("finalizers") or []):
            if problem := names.qualified_name_problem(finalizer):
                errors.invalid(f"spec.finalizers[{index}]", finalizer, problem)

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        phase = (new.get("status") or {}).get("phase")
        if phase is not None and phase not in PHASES:
            errors.not_supported("status.phase", phase, PHASES)
        elif not (new.get("metadata") or {}).get("deletionTimestamp"):
            if phase not in (None, "Active"):
                errors.invalid("status.Phase", phase, "may only be 'Active' if `deletionTimestamp` is empty")
        elif phase != "Terminating":
            errors.invalid("status.Phase", phase, "may only be 'Terminating' if `deletionTimestamp` is not empty")

    def mark_deleting(self, obj: dict) -> None:
        obj.setdefault("status", {})["phase"] = "Terminating"

    def blocks_deletion(self, obj: dict) -> bool:
        return bool(printing.spec(obj).get("finalizers"))

    def selectable_fields(self) -> tuple[str, ...]:
        return ("metadata.name", "status.phase")

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["status.phase"] = str(printing.status(obj).get("phase") or "")
        return values

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), printing.status(obj).get("phase") or "Active", printing.age(obj)]
