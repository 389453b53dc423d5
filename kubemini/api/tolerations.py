"""Taints and tolerations, with Kubernetes' matching rules.

A toleration tolerates a taint when its effect is empty or equal, its key is empty
(only with Exists: every key) or equal, and either its operator is Exists or the
values are equal (operator Equal, the default). Filters care about NoSchedule and
NoExecute taints; PreferNoSchedule taints only lower a node's score.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NO_SCHEDULE = "NoSchedule"
NO_EXECUTE = "NoExecute"
PREFER_NO_SCHEDULE = "PreferNoSchedule"


@dataclass(frozen=True, slots=True)
class Taint:
    key: str
    value: str
    effect: str


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str
    operator: str
    value: str
    effect: str

    def tolerates(self, taint: Taint) -> bool:
        if self.effect and self.effect != taint.effect:
            return False
        if self.key and self.key != taint.key:
            return False
        if self.operator == "Exists":
            return True
        if self.operator in ("", "Equal"):
            return self.value == taint.value
        return False


def parse_taints(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Taint, ...]:
    return tuple(
        Taint(str(t.get("key") or ""), str(t.get("value") or ""), str(t.get("effect") or "")) for t in raw or ()
    )


def parse_tolerations(raw: Iterable[Mapping[str, Any]] | None) -> tuple[Toleration, ...]:
    return tuple(
        Toleration(
            str(t.get("key") or ""), str(t.get("operator") or ""), str(t.get("value") or ""), str(t.get("effect") or "")
        )
        for t in raw or ()
    )


def tolerated(taint: Taint, tolerations: Iterable[Toleration]) -> bool:
    return any(toleration.tolerates(taint) for toleration in tolerations)


def first_untolerated(taints: Iterable[Taint], tolerations: tuple[Toleration, ...]) -> Taint | None:
    """The first taint the tolerations do not cover, or None."""
    for taint in taints:
        if not tolerated(taint, tolerations):
            return taint
    return None


def count_untolerated(taints: Iterable[Taint], tolerations: tuple[Toleration, ...]) -> int:
    """How many PreferNoSchedule taints are not tolerated (only tolerations that could apply count)."""
    applicable = tuple(t for t in tolerations if t.effect in ("", PREFER_NO_SCHEDULE))
    return sum(1 for taint in taints if not tolerated(taint, applicable))


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """The same rule on plain dicts, for controllers that hold pod and node objects."""
    return parse_tolerations([toleration])[0].tolerates(parse_taints([taint])[0])


def untolerated_taints(
    taints: Iterable[Mapping[str, Any]] | None,
    tolerations: Iterable[Mapping[str, Any]] | None,
    *,
    effects: tuple[str, ...],
) -> list[Taint]:
    """The taints with one of `effects` that no toleration covers."""
    parsed = parse_tolerations(tolerations)
    return [taint for taint in parse_taints(taints) if taint.effect in effects and not tolerated(taint, parsed)]
