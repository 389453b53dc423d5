"""Small rules many kinds share: ports, protocols, counts, int-or-percent, selectors, immutability."""

from __future__ import annotations

from kubemini.api import int_or_percent
from kubemini.api.field_errors import FieldErrors
from kubemini.api.selectors import SelectorError, selector_from_label_selector
from kubemini.api.validation.metadata import validate_labels

PROTOCOLS = ("TCP", "UDP", "SCTP")
IMMUTABLE = "field is immutable"
LABEL_SELECTOR_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def check_port(value: object, path: str, errors: FieldErrors, *, allow_zero: bool = False) -> None:
    low = 0 if allow_zero else 1
    if value is None:
        errors.required(path)
    elif not low <= value <= 65535:  # type: ignore[operator]
        errors.invalid(path, value, f"must be between {low} and 65535, inclusive")


def check_protocol(value: object, path: str, errors: FieldErrors) -> None:
    if value not in PROTOCOLS:
        errors.not_supported(path, value, PROTOCOLS)


def check_non_negative(value: object, path: str, errors: FieldErrors) -> None:
    if value is not None and value < 0:  # type: ignore[operator]
        errors.invalid(path, value, "must be greater than or equal to 0")


def check_positive(value: object, path: str, errors: FieldErrors) -> None:
    if value is not None and value <= 0:  # type: ignore[operator]
        errors.invalid(path, value, "must be greater than 0")


def check_one_of(value: object, path: str, allowed: tuple[str, ...], errors: FieldErrors) -> None:
    if value is not None and value not in allowed:
        errors.not_supported(path, value, allowed)


def check_int_or_percent(value: object, path: str, errors: FieldErrors) -> None:
    if value is None:
        return
    if not int_or_percent.is_valid(value):
        errors.invalid(
            path,
            value,
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', "
            "regex used for validation is '[0-9]+%')",
        )
    elif int_or_percent.is_negative(value):
        errors.invalid(path, value, "must be greater than or equal to 0")


def immutable(path: str, value: object, errors: FieldErrors) -> None:
    errors.invalid(path, value, IMMUTABLE)


def check_immutable(new: object, old: object, path: str, errors: FieldErrors) -> None:
    if new != old:
        immutable(path, new, errors)


def check_label_selector(selector: object, path: str, errors: FieldErrors, *, required: bool = False) -> None:
    """A metav1.LabelSelector: label rules for matchLabels, operators and values for expressions."""
    if not selector:
        if required:
            errors.required(path)
        return
    validate_labels(selector.get("matchLabels"), f"{path}.matchLabels", errors)  # type: ignore[union-attr]
    for index, expression in enumerate(selector.get("matchExpressions") or []):  # type: ignore[union-attr]
        where = f"{path}.matchExpressions[{index}]"
        operator, values = expression.get("operator"), expression.get("values") or []
        if operator not in LABEL_SELECTOR_OPERATORS:
            errors.not_supported(f"{where}.operator", operator, LABEL_SELECTOR_OPERATORS)
        elif operator in ("In", "NotIn") and not values:
            errors.required(f"{where}.values")
        elif operator in ("Exists", "DoesNotExist") and values:
            errors.forbidden(f"{where}.values", "may not be specified when `operator` is 'Exists' or 'DoesNotExist'")
    try:
        selector_from_label_selector(selector)  # type: ignore[arg-type]
    except SelectorError as exc:
        errors.invalid(path, selector, str(exc))
