"""Node selector terms (required and preferred node affinity), compiled once per pod.

    pod.spec.affinity.nodeAffinity ──► compile_terms() ──► tuples of `Expression`s
    node labels + name ──► term_matches(): every expression of the term holds
    requiredDuringSchedulingIgnoredDuringExecution: the terms are ORed (any one matches)
    preferredDuringSchedulingIgnoredDuringExecution: the weights of matching terms add up

Operators are Kubernetes': In, NotIn, Exists, DoesNotExist, Gt, Lt on labels and
In / NotIn on the one supported field, `metadata.name`. A term with no expressions
matches nothing, and an unknown operator matches nothing, as in Kubernetes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELD_NODE_NAME = "metadata.name"
LABEL_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"})
FIELD_OPERATORS = frozenset({"In", "NotIn"})


@dataclass(frozen=True, slots=True)
class Expression:
    key: str
    operator: str
    values: frozenset[str]
    on_field: bool = False  # matchFields (the node's name) instead of matchExpressions (labels)

    def matches(self, labels: Mapping[str, str], node_name: str) -> bool:
        if self.on_field:
            if self.key != FIELD_NODE_NAME or self.operator not in FIELD_OPERATORS:
                return False
            return (node_name in self.values) == (self.operator == "In")
        present = self.key in labels
        operator = self.operator
        if operator == "In":
            return present and labels[self.key] in self.values
        if operator == "NotIn":
            return not present or labels[self.key] not in self.values
        if operator == "Exists":
            return present
        if operator == "DoesNotExist":
            return not present
        if operator in ("Gt", "Lt") and present and len(self.values) == 1:
            try:
                actual, bound = int(labels[self.key]), int(next(iter(self.values)))
            except ValueError:
                return False
            return actual > bound if operator == "Gt" else actual < bound
        return False


Term = tuple[Expression, ...]


def compile_term(term: Mapping[str, Any] | None) -> Term:
    term = term or {}
    expressions = [
        Expression(str(e.get("key") or ""), str(e.get("operator") or ""), frozenset(map(str, e.get("values") or ())))
        for e in term.get("matchExpressions") or []
    ]
    expressions += [
        Expression(
            str(e.get("key") or ""), str(e.get("operator") or ""), frozenset(map(str, e.get("values") or ())), True
        )
        for e in term.get("matchFields") or []
    ]
    return tuple(expressions)


def term_matches(term: Term, labels: Mapping[str, str], node_name: str) -> bool:
    return bool(term) and all(expression.matches(labels, node_name) for expression in term)


def any_term_matches(terms: tuple[Term, ...], labels: Mapping[str, str], node_name: str) -> bool:
    return any(term_matches(term, labels, node_name) for term in terms)


def required_terms(spec: Mapping[str, Any]) -> tuple[Term, ...] | None:
    """The compiled required terms, or None when the pod has no required node affinity."""
    node_affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return None
    return tuple(compile_term(term) for term in required.get("nodeSelectorTerms") or [])


def preferred_terms(spec: Mapping[str, Any]) -> tuple[tuple[int, Term], ...]:
    """(weight, term) pairs; terms of weight 0 never change a score and are dropped."""
    node_affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    preferred = []
    for entry in node_affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or []:
        weight = entry.get("weight") or 0
        if isinstance(weight, int) and weight > 0:
            preferred.append((weight, compile_term(entry.get("preference"))))
    return tuple(preferred)


def preferred_weight(terms: tuple[tuple[int, Term], ...], labels: Mapping[str, str], node_name: str) -> int:
    return sum(weight for weight, term in terms if term_matches(term, labels, node_name))
