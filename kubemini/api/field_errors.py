"""Field errors collected during validation, rendered as `Status.details.causes`."""

from __future__ import annotations

import json
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

    def required(self, path: str, detail: str = "") -> None:
        text = f"Required value: {detail}" if detail else "Required value"
        self.errors.append(FieldError(path, "FieldValueRequired", text))

    def type_invalid(self, path: str, value: object, detail: str) -> None:
        self.errors.append(FieldError(path, "FieldValueTypeInvalid", f"Invalid value: {_show(value)}: {detail}"))

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

    def duplicate_text(self, path: str, shown: str) -> None:
        """A duplicate whose value Go prints in its own notation (a list-map entry's keys)."""
        self.errors.append(FieldError(path, "FieldValueDuplicate", f"Duplicate value: {shown}"))

    def too_long(self, path: str, limit: int) -> None:
        self.errors.append(FieldError(path, "FieldValueTooLong", f"Too long: must have at most {limit} bytes"))

    def not_found(self, path: str, value: object) -> None:
        self.errors.append(FieldError(path, "FieldValueNotFound", f"Not found: {_show(value)}"))

    def too_many(self, path: str, count: int, limit: int) -> None:
        self.errors.append(FieldError(path, "FieldValueTooMany", f"Too many: {count}: must have at most {limit} items"))

    def extend(self, other: FieldErrors) -> None:
        self.errors.extend(other.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def causes(self) -> list[dict]:
        return [{"reason": e.reason, "message": e.detail, "field": e.field} for e in self.errors]

    def summary(self) -> str:
        return ", ".join(e.message for e in self.errors)


def _show(value: object) -> str:
    """A bad value as Kubernetes prints it: strings quoted, everything else as JSON."""
    if isinstance(value, str):
        return f'"{value}"'
    try:
        return json.dumps(value, separators=(",", ":"), sort_keys=True)[:256]
    except (TypeError, ValueError):
        return repr(value)[:256]
