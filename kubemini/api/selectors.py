"""Label and field selectors: parsing the query-string forms and matching objects.

A parsed selector is a tuple of `Requirement`s, all of which must hold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SET_PATTERN = re.compile(r"^\s*(?P<key>[^\s!=(),]+)\s+(?P<op>in|notin)\s*\((?P<values>[^)]*)\)\s*$")
_EQ_PATTERN = re.compile(r"^\s*(?P<key>[^\s!=(),]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s!=(),]*)\s*$")
_EXISTS_PATTERN = re.compile(r"^\s*(?P<neg>!?)\s*(?P<key>[^\s!=(),]+)\s*$")


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # one of "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator == "in":
            return present and labels[self.key] in self.values
        # notin: a missing key also satisfies it, as in Kubernetes
        return not present or labels[self.key] not in self.values


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses."""
    parts, depth, current = [], 0, []
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    if depth != 0:
        raise SelectorError(f"unbalanced parentheses in selector {text!r}")
    return [part for part in parts if part.strip()]


def parse_label_selector(text: str | None) -> tuple[Requirement, ...]:
    """Parse `a=b,c!=d,e in (x,y),f notin (z),g,!h`."""
    if not text or not text.strip():
        return ()
    requirements = []
    for part in _split_top_level(text):
        if match := _SET_PATTERN.match(part):
            values = tuple(v.strip() for v in match["values"].split(",") if v.strip())
            requirements.append(Requirement(match["key"], match["op"], values))
        elif match := _EQ_PATTERN.match(part):
            op = "notin" if match["op"] == "!=" else "in"
            requirements.append(Requirement(match["key"], op, (match["value"],)))
        elif match := _EXISTS_PATTERN.match(part):
            requirements.append(Requirement(match["key"], "!" if match["neg"] else "exists"))
        else:
            raise SelectorError(f"unable to parse requirement: {part.strip()!r}")
    return tuple(requirements)


def selector_from_label_selector(selector: dict | None) -> tuple[Requirement, ...]:
    """Convert a metav1.LabelSelector (matchLabels + matchExpressions) to requirements."""
    if not selector:
        return ()
    requirements = [Requirement(k, "in", (str(v),)) for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        operator = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}.get(
            expression.get("operator", "")
        )
        if operator is None:
            raise SelectorError(f"{expression.get('operator')!r} is not a valid label selector operator")
        requirements.append(Requirement(expression.get("key", ""), operator, tuple(expression.get("values") or ())))
    return tuple(requirements)


def labels_match(requirements: tuple[Requirement, ...], labels: dict[str, str] | None) -> bool:
    labels = labels or {}
    return all(requirement.matches(labels) for requirement in requirements)


def selector_to_string(selector: dict | None) -> str:
    """Render a LabelSelector as the query-string form clients send."""
    parts = []
    for requirement in selector_from_label_selector(selector):
        if requirement.operator == "exists":
            parts.append(requirement.key)
        elif requirement.operator == "!":
            parts.append(f"!{requirement.key}")
        else:
            parts.append(f"{requirement.key} {requirement.operator} ({','.join(requirement.values)})")
    return ",".join(parts)


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    value: str
    negate: bool

    def matches(self, obj: dict) -> bool:
        actual = field_value(obj, self.path)
        return (actual != self.value) if self.negate else (actual == self.value)


def parse_field_selector(text: str | None) -> tuple[FieldRequirement, ...]:
    """Parse `metadata.name=x,spec.nodeName!=` (operators `=`, `==`, `!=`)."""
    if not text or not text.strip():
        return ()
    requirements = []
    for part in text.split(","):
        match = _EQ_PATTERN.match(part)
        if not match:
            raise SelectorError(f"invalid field selector: {part.strip()!r}")
        requirements.append(FieldRequirement(match["key"], match["value"], match["op"] == "!="))
    return tuple(requirements)


def field_value(obj: dict, path: str) -> str:
    """The string value at a dotted path, '' when absent (so `spec.nodeName=` finds unbound pods)."""
    current: object = obj
    for segment in path.split("."):
        if not isinstance(current, dict):
            return ""
        current = current.get(segment)
    if current is None:
        return ""
    if isinstance(current, bool):
        return "true" if current else "false"
    return str(current)


def fields_match(requirements: tuple[FieldRequirement, ...], obj: dict) -> bool:
    return all(requirement.matches(obj) for requirement in requirements)


__all__ = [
    "FieldRequirement",
    "Requirement",
    "SelectorError",
    "fields_match",
    "labels_match",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_label_selector",
    "selector_to_string",
]
