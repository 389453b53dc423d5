"""Int-or-percent values (`maxSurge: 2`, `maxUnavailable: "25%"`, `minAvailable: "50%"`).

One rule for validation and for every controller that resolves one against a total
(Kubernetes' intstr.GetScaledValueFromIntOrPercent): a percent of `total` rounds up
or down as the caller says; a plain string of digits is not a valid value.
"""

from __future__ import annotations

import math
import re

_PERCENT = re.compile(r"^[0-9]+%$")


def is_valid(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and bool(_PERCENT.match(value))


def is_negative(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value < 0


def is_percent(value: object) -> bool:
    return isinstance(value, str) and value.endswith("%")


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """`value` against `total`: `"25%"` of 10 is 3 rounded up, 2 rounded down; an int is itself."""
    if value is None:
        return 0
    if isinstance(value, bool) or not (isinstance(value, int) or is_valid(value)):
        raise ValueError(f"invalid int-or-percent {value!r}")
    if isinstance(value, int):
        return value
    exact = int(value[:-1]) * total / 100
    return math.ceil(exact) if round_up else math.floor(exact)
