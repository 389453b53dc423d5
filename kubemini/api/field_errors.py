"""Field errors collected during validation, rendered as `Status.details.causes`."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str  # FieldValueRequired, FieldValueInvalid, FieldValueNotSupported, FieldValueForbidden, ...
    detail: str

    @property
    def message(self) -> str:
        return f"{self.field}: {self.detail}"


@dataclass
class FieldErrors:
    errors: list[FieldError] = field(default_factory=list)

    def required(self, path: str) -> None:
        self.errors.append(FieldError(path, "FieldValueRequired", "Required value"))

    def invalid(self, path: str, value: object, detail: str) -> None:
        self.errors.append(FieldError(path, "FieldValueInvalid", f"Invalid value: {_show(value)}: {detail}"))

    def not_supported(self, path: str, value: object, allowed: tuple[str, ...]) -> None:
        options = ", ".join(f'"{a}"' for a in allowed)
        self.errors.append(
            FieldError(
                path, "FieldValueNotSupported", f"Unsupported value: {_show(value)}: supported values: {options}"
            )
        )

    def forbidden(self, path: str, detail: str) -> None:
        self.errors.append(FieldError(path, "FieldValueForbidden", f"Forbidden: {detail}"))

    def duplicate(self, path: str, value: object) -> None:
        self.errors.append(FieldError(path, "FieldValueDuplicate", f"Duplicate value: {_show(value)}"))

    def __bool__(self) -> bool:
        return bool(self.errors)

    def causes(self) -> list[dict]:
        return [{"reason": e.reason, "message": e.detail, "field": e.field} for e in self.errors]

    def summary(self) -> str:
        return ", ".join(e.message for e in self.errors)


def _show(value: object) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value)
