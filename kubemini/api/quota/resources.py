"""Resource lists (`{"pods": 2, "requests.cpu": 1/2}`) as exact Fractions, and how quota prints them.

Like kubernetes pkg/quota/v1/resources.go: Add, SubtractWithNonNegativeResult, Mask,
LessThanOrEqual (which names exceed), IsZero, and the `a=1,b=2` form errors use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction

from kubemini.api.quantity import QuantityError, canonical_quantity, parse_quantity

Amounts = dict[str, Fraction]
_BINARY_HINTS = ("memory", "storage")


def parse_list(values: Mapping[str, object] | None) -> Amounts:
    """A ResourceList from an object (quantities as strings or numbers); malformed entries are left out."""
    parsed: Amounts = {}
    for name, value in (values or {}).items():
        try:
            parsed[name] = parse_quantity(value)  # type: ignore[arg-type]
        except (QuantityError, TypeError):
            continue
    return parsed


def add(a: Mapping[str, Fraction], b: Mapping[str, Fraction]) -> Amounts:
    total = dict(a)
    for name, value in b.items():
        total[name] = total.get(name, Fraction(0)) + value
    return total


def subtract_non_negative(a: Mapping[str, Fraction], b: Mapping[str, Fraction]) -> Amounts:
    return {name: max(value - b.get(name, Fraction(0)), Fraction(0)) for name, value in a.items()}


def mask(amounts: Mapping[str, Fraction], names: Iterable[str]) -> Amounts:
    wanted = set(names)
    return {name: value for name, value in amounts.items() if name in wanted}


def exceeded(amounts: Mapping[str, Fraction], limits: Mapping[str, Fraction]) -> list[str]:
    """The names whose amount is over its limit (a name without a limit is never over)."""
    return sorted(name for name, value in amounts.items() if name in limits and value > limits[name])


def is_zero(amounts: Mapping[str, Fraction]) -> bool:
    return all(value == 0 for value in amounts.values())


def format_amount(name: str, amount: Fraction) -> str:
    """The Quantity string: memory and storage in binary units when whole (`128Mi`), the rest decimal (`500m`)."""
    if any(hint in name for hint in _BINARY_HINTS) and amount.denominator == 1 and amount % 1024 == 0 and amount:
        return canonical_quantity(f"{int(amount) // 1024}Ki")
    if amount.denominator == 1:
        return canonical_quantity(int(amount))
    return canonical_quantity(f"{int(amount * 10**9)}n") if (amount * 10**9).denominator == 1 else str(float(amount))


def format_list(amounts: Mapping[str, Fraction]) -> dict[str, str]:
    return {name: format_amount(name, value) for name, value in sorted(amounts.items())}


def pretty(amounts: Mapping[str, Fraction]) -> str:
    """`limits.cpu=1,pods=2`: sorted by name, as the quota admission's messages print them."""
    return ",".join(f"{name}={format_amount(name, value)}" for name, value in sorted(amounts.items()))
