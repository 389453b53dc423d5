"""Kubernetes resource quantities (`100m`, `0.5`, `64Mi`, `1G`, `1e3`), parsed exactly.

Values are `fractions.Fraction` so `0.1 + 0.2` CPU is exactly `300m` and
`1Gi` compares exactly with `1073741824`.
"""

from __future__ import annotations

import re
from fractions import Fraction

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Fraction(1, 10**9),
    "u": Fraction(1, 10**6),
    "m": Fraction(1, 10**3),
    "": Fraction(1),
    "k": Fraction(10**3),
    "M": Fraction(10**6),
    "G": Fraction(10**9),
    "T": Fraction(10**12),
    "P": Fraction(10**15),
    "E": Fraction(10**18),
}
_PATTERN = re.compile(
    r"^(?P<sign>[+-]?)(?P<num>[0-9]+(\.[0-9]*)?|\.[0-9]+)"
    r"(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE])|[eE](?P<exp>[+-]?[0-9]+))?$"
)


# Bounds that keep a hostile quantity (`1e999999999`, a million digits) from costing real time.
MAX_EXPONENT = 100
MAX_DIGITS = 100


class QuantityError(ValueError):
    pass


def parse_quantity(value: str | int | float) -> Fraction:
    """Parse a quantity into an exact Fraction; raise QuantityError when malformed."""
    if isinstance(value, bool):
        raise QuantityError(f"quantities must match the regular expression, got {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise QuantityError(f"quantity must be a finite number, got {value!r}")
        return Fraction(str(value))
    if not isinstance(value, str):
        raise QuantityError(f"quantity must be a string or number, got {type(value).__name__}")
    match = _PATTERN.match(value.strip())
    if not match:
        raise QuantityError(
            f"quantities must match the regular expression "
            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$', got {value!r}"
        )
    if len(match["num"]) > MAX_DIGITS or (match["exp"] is not None and abs(int(match["exp"])) > MAX_EXPONENT):
        raise QuantityError(f"quantity {value[:40]!r} is out of range")
    number = Fraction(match["num"])
    if match["sign"] == "-":
        number = -number
    if match["exp"] is not None:
        return number * Fraction(10) ** int(match["exp"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    return number * _DECIMAL[suffix]


def is_valid_quantity(value: object) -> bool:
    try:
        parse_quantity(value)  # type: ignore[arg-type]
    except QuantityError:
        return False
    return True


def cpu_millis(value: str | int | float) -> int:
    """CPU quantity in millicores, rounded up like Kubernetes' MilliValue."""
    millis = parse_quantity(value) * 1000
    return -((-millis.numerator) // millis.denominator)


def to_bytes(value: str | int | float) -> int:
    """Memory quantity in bytes, rounded up."""
    amount = parse_quantity(value)
    return -((-amount.numerator) // amount.denominator)


def format_cpu_millis(millis: int) -> str:
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


_DECIMAL_SUFFIXES = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BINARY_SUFFIXES = {0: "", 10: "Ki", 20: "Mi", 30: "Gi", 40: "Ti", 50: "Pi", 60: "Ei"}
_NANO = Fraction(1, 10**9)


def _format_of(value: str | int | float) -> str:
    if isinstance(value, str):
        match = _PATTERN.match(value.strip())
        if match and match["exp"] is not None:
            return "DecimalExponent"
        if match and (match["suffix"] or "") in _BINARY:
            return "BinarySI"
    return "DecimalSI"


def _decimal_parts(amount: Fraction) -> tuple[int, int]:
    """(mantissa, exponent) with the exponent a multiple of 3 and as large as keeps the mantissa whole."""
    if amount % _NANO:
        amount = -((-amount) // _NANO) * _NANO  # finer than a nano: rounded up, as Kubernetes does
    exponent = -9
    while exponent < 18 and (amount / Fraction(10) ** (exponent + 3)).denominator == 1:
        exponent += 3
    return int(amount / Fraction(10) ** exponent), exponent


def canonical_quantity(value: str | int | float) -> str:
    """The form Kubernetes stores and returns a quantity in: `1000m` → `1`, `0.5` → `500m`, `1024Mi` → `1Gi`.

    The suffix family of the input is kept (binary stays binary unless the amount is under 1024
    or not whole, exponent notation stays exponent), as resource.Quantity's CanonicalizeBytes does.
    """
    amount = parse_quantity(value)
    style = _format_of(value)
    if style == "BinarySI" and (abs(amount) < 1024 or amount.denominator != 1):
        style = "DecimalSI"
    if style == "BinarySI":
        exponent, whole = 0, int(amount)
        while exponent < 60 and whole % (1 << (exponent + 10)) == 0:
            exponent += 10
        return f"{whole >> exponent if whole >= 0 else -((-whole) >> exponent)}{_BINARY_SUFFIXES[exponent]}"
    if amount == 0:
        return "0"
    mantissa, exponent = _decimal_parts(amount)
    if style == "DecimalExponent":
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_SUFFIXES[exponent]}"
