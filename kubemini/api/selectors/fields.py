"""Field selectors: `label=value` terms (`=`, `==`, `!=`) with `\\`, `\\,` and `\\=` escapes,
parsed as strictly as Kubernetes; which labels a kind accepts is its strategy's business
(`field label not supported: x`). A parsed selector is a tuple of requirements, all of which must hold.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kubemini.api.selectors.labels import SelectorError


@dataclass(frozen=True)
class FieldRequirement:
    path: str
    value: str
    negate: bool

    def matches(self, values: dict[str, str]) -> bool:
        actual = values.get(self.path, "")
        return (actual != self.value) if self.negate else (actual == self.value)


def _split_terms(text: str) -> list[str]:
    terms, current, escaped = [], [], False
    for char in text:
        if escaped:
            current.append("\\" + char)
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ",":
            terms.append("".join(current))
            current = []
        else:
            current.append(char)
    if escaped:
        current.append("\\")
    terms.append("".join(current))
    return terms


def _unescape(value: str) -> str:
    result, position = [], 0
    while position < len(value):
        char = value[position]
        if char == "\\":
            if position + 1 >= len(value) or value[position + 1] not in "\\,=":
                raise SelectorError(
                    f"invalid field selector: invalid escape sequence: {value[position : position + 2]}"
                )
            result.append(value[position + 1])
            position += 2
            continue
        if char in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {char}")
        result.append(char)
        position += 1
    return "".join(result)


def parse_field_selector(text: str | None) -> tuple[FieldRequirement, ...]:
    """Parse `metadata.name=x,spec.nodeName!=` (operators `=`, `==`, `!=`)."""
    if not text or not text.strip():
        return ()
    requirements = []
    for term in _split_terms(text):
        if not term:
            continue
        for operator in ("!=", "==", "="):
            if operator in term:
                label, value = term.split(operator, 1)
                requirements.append(FieldRequirement(label.strip(), _unescape(value), operator == "!="))
                break
        else:
            raise SelectorError(f"invalid selector: '{text}'; can't understand '{term}'")
    return tuple(requirements)


def check_field_labels(
    requirements: tuple[FieldRequirement, ...], allowed: tuple[str, ...], *, has_own_labels: bool
) -> None:
    """Refuse labels the kind does not select on, in Kubernetes' two wordings."""
    for requirement in requirements:
        if requirement.path in allowed:
            continue
        if has_own_labels:
            raise SelectorError(f"field label not supported: {requirement.path}")
        quoted = ", ".join(f'"{label}"' for label in allowed)
        raise SelectorError(f'"{requirement.path}" is not a known field selector: only {quoted}')


def fields_match(requirements: tuple[FieldRequirement, ...], obj: dict, values: Callable[[dict], dict]) -> bool:
    if not requirements:
        return True
    computed = values(obj)
    return all(requirement.matches(computed) for requirement in requirements)
