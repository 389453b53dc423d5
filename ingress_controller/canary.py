"""Canary routing with ingress-nginx's annotations, so manifests written for ingress-nginx work.

    canary Ingress annotations ──► canary_policy() ──► CanaryPolicy (or None: not a canary)
    request headers + cookies + a random draw ──► use_canary(policy, ...) ──► True / False

The order is ingress-nginx's: the header first (`always` / `never` / the
configured value), then the cookie (`always` / `never`), then the weight. The
random draw is injected so the choice is a pure function and table-testable.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie

PREFIX = "nginx.ingress.kubernetes.io/"
CANARY = PREFIX + "canary"
CANARY_WEIGHT = PREFIX + "canary-weight"
CANARY_WEIGHT_TOTAL = PREFIX + "canary-weight-total"
CANARY_BY_HEADER = PREFIX + "canary-by-header"
CANARY_BY_HEADER_VALUE = PREFIX + "canary-by-header-value"
CANARY_BY_COOKIE = PREFIX + "canary-by-cookie"
HONOURED_ANNOTATIONS = (
    CANARY,
    CANARY_WEIGHT,
    CANARY_WEIGHT_TOTAL,
    CANARY_BY_HEADER,
    CANARY_BY_HEADER_VALUE,
    CANARY_BY_COOKIE,
)
DEFAULT_WEIGHT_TOTAL = 100
ALWAYS, NEVER = "always", "never"

# randint(a, b) -> a <= n <= b, the shape of random.randint.
RandomInt = Callable[[int, int], int]


@dataclass(frozen=True)
class CanaryPolicy:
    weight: int = 0
    weight_total: int = DEFAULT_WEIGHT_TOTAL
    header: str | None = None  # lower-cased header name
    header_value: str | None = None
    cookie: str | None = None


def _int_annotation(annotations: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(str(annotations.get(name, default)).strip())
    except ValueError:
        return default


def canary_policy(annotations: Mapping[str, str] | None) -> CanaryPolicy | None:
    """The canary rules an Ingress asks for, or None when it is not a canary Ingress."""
    annotations = annotations or {}
    if str(annotations.get(CANARY, "")).strip().lower() != "true":
        return None
    total = _int_annotation(annotations, CANARY_WEIGHT_TOTAL, DEFAULT_WEIGHT_TOTAL)
    total = total if total > 0 else DEFAULT_WEIGHT_TOTAL
    weight = min(max(_int_annotation(annotations, CANARY_WEIGHT, 0), 0), total)
    header = (annotations.get(CANARY_BY_HEADER) or "").strip().lower() or None
    return CanaryPolicy(
        weight=weight,
        weight_total=total,
        header=header,
        header_value=(annotations.get(CANARY_BY_HEADER_VALUE) or None) if header else None,
        cookie=(annotations.get(CANARY_BY_COOKIE) or "").strip() or None,
    )


def cookie_value(cookie_header: str | None, name: str) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(name)
    return None if morsel is None else morsel.value


def use_canary(
    policy: CanaryPolicy,
    *,
    header: Callable[[str], str | None],
    cookie_header: str | None,
    randint: RandomInt,
) -> bool:
    """Whether this request goes to the canary. `header(name)` reads a request header (lower-cased name)."""
    if policy.header is not None:
        value = header(policy.header)
        if value is not None:
            if policy.header_value is not None:
                if value == policy.header_value:
                    return True
            elif value == ALWAYS:
                return True
            elif value == NEVER:
                return False
    if policy.cookie is not None:
        value = cookie_value(cookie_header, policy.cookie)
        if value == ALWAYS:
            return True
        if value == NEVER:
            return False
    if policy.weight <= 0:
        return False
    return randint(0, policy.weight_total - 1) < policy.weight
