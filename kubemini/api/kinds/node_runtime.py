"""node.k8s.io/v1: RuntimeClasses."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable


class RuntimeClassStrategy(Strategy):
    columns = (
        NAME,
        Column(
            "Handler",
            description="Handler specifies the underlying runtime and configuration that the CRI "
            "implementation will use to handle pods of this class.",
        ),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        handler = obj.get("handler")
        if not handler:
            errors.required("handler")
        elif problem := names.dns1123_label_problem(handler):
            errors.invalid("handler", handler, problem)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        check_immutable(new.get("handler"), old.get("handler"), "handler", errors)

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), obj.get("handler", ""), printing.age(obj)]
