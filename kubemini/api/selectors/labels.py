"""Label selectors: the query-string form parsed as strictly as Kubernetes, LabelSelector objects,
and matching. Grammar and messages follow apimachinery's labels/selector.go:

    selector    := requirement ("," requirement)*
    requirement := ["!"] KEY [ ("in" | "notin") "(" values ")" | ("=" | "==" | "!=" | ">" | "<") VALUE ]

keys must be qualified names and values label values (`unable to parse requirement: ...`);
`a in ()` means `a in ("")`, as upstream parses it. A parsed selector is a tuple of
requirements, all of which must hold.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemini.api import names


class SelectorError(ValueError):
    pass


@dataclass(frozen=True)
class Requirement:
    key: str
    operator: str  # "in", "notin", "exists", "!", "gt", "lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict[str, str]) -> bool:
        present = self.key in labels
        if self.operator == "exists":
            return present
        if self.operator == "!":
            return not present
        if self.operator == "in":
            return present and labels[self.key] in self.values
        if self.operator in ("gt", "lt"):
            if not present:
                return False
            try:
                actual, bound = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return actual > bound if self.operator == "gt" else actual < bound
        # notin: a missing key also satisfies it, as in Kubernetes
        return not present or labels[self.key] not in self.values


# -- label selector lexer and parser --------------------------------------------------------------

_SPECIAL = "=!(),><"
_IDENTIFIER, _END = "identifier", "end"
_OPERATOR_TOKENS = {"in": "in", "notin": "notin", "=": "=", "==": "==", "!=": "!=", ">": "gt", "<": "lt"}
_EXPECTED_OPERATORS = "[in notin = == != gt lt]"


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    while position < len(text):
        char = text[position]
        if char.isspace():
            position += 1
        elif char in _SPECIAL:
            pair = text[position : position + 2]
            if pair in ("==", "!="):
                tokens.append((pair, pair))
                position += 2
            else:
                tokens.append((char, char))
                position += 1
        else:
            start = position
            while position < len(text) and not text[position].isspace() and text[position] not in _SPECIAL:
                position += 1
            tokens.append((_IDENTIFIER, text[start:position]))
    tokens.append((_END, ""))
    return tokens


class _LabelParser:
    def __init__(self, text: str):
        self.tokens = _tokens(text)
        self.position = 0

    def lookahead(self) -> tuple[str, str]:
        return self.tokens[self.position]

    def consume(self, *, operators: bool = False) -> tuple[str, str]:
        kind, literal = self.tokens[self.position]
        self.position += 1
        if operators and kind == _IDENTIFIER and literal in ("in", "notin"):
            return literal, literal
        return kind, literal

    def parse(self) -> tuple[Requirement, ...]:
        requirements = []
        while True:
            kind, literal = self.lookahead()
            if kind in (_IDENTIFIER, "!"):
                requirements.append(self.requirement())
                kind, literal = self.consume()
                if kind == _END:
                    return tuple(requirements)
                if kind == ",":
                    next_kind, next_literal = self.lookahead()
                    if next_kind not in (_IDENTIFIER, "!"):
                        raise SelectorError(f"found '{next_literal}', expected: identifier after ','")
                    continue
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            if kind == _END:
                return tuple(requirements)
            raise SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")

    def requirement(self) -> Requirement:
        try:
            key, operator = self.key_and_operator()
            if operator in ("exists", "!"):
                return Requirement(key, operator)
            operator = self.operator()
            values = self.values() if operator in ("in", "notin") else self.exact_value()
            _check_requirement(key, operator, values)
            return Requirement(
                key, "notin" if operator == "!=" else "in" if operator in ("=", "==") else operator, values
            )
        except SelectorError as exc:
            raise SelectorError(f"unable to parse requirement: {exc}") from None

    def key_and_operator(self) -> tuple[str, str]:
        kind, literal = self.consume()
        operator = ""
        if kind == "!":
            operator = "!"
            kind, literal = self.consume()
        if kind != _IDENTIFIER:
            raise SelectorError(f"found '{literal}', expected: identifier")
        if problem := names.qualified_name_problem(literal):
            raise SelectorError(f'key: Invalid value: "{literal}": {problem}')
        next_kind, _ = self.lookahead()
        if next_kind in (_END, ",") and operator != "!":
            operator = "exists"
        return literal, operator

    def operator(self) -> str:
        kind, literal = self.consume(operators=True)
        if kind in _OPERATOR_TOKENS:
            return _OPERATOR_TOKENS[kind]
        raise SelectorError(f"found '{literal}', expected: {_EXPECTED_OPERATORS}")

    def values(self) -> tuple[str, ...]:
        kind, literal = self.consume()
        if kind != "(":
            raise SelectorError(f"found '{literal}' expected: '('")
        kind, literal = self.lookahead()
        if kind == ")":
            self.consume()
            return ("",)
        if kind not in (_IDENTIFIER, ","):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values: list[str] = []
        while True:
            kind, literal = self.consume()
            if kind == _IDENTIFIER:
                values.append(literal)
                next_kind, next_literal = self.lookahead()
                if next_kind == ",":
                    continue
                if next_kind == ")":
                    self.consume()
                    return tuple(dict.fromkeys(values))
                raise SelectorError(f"found '{next_literal}', expected: ',' or ')'")
            if kind == ",":
                if not values:
                    values.append("")
                next_kind, _ = self.lookahead()
                if next_kind == ")":
                    self.consume()
                    values.append("")
                    return tuple(dict.fromkeys(values))
                if next_kind == ",":
                    values.append("")
                continue
            raise SelectorError(f"found '{literal}', expected: ',' or ')'")

    def exact_value(self) -> tuple[str, ...]:
        kind, _ = self.lookahead()
        if kind in (_END, ","):
            return ("",)
        kind, literal = self.consume()
        if kind == _IDENTIFIER:
            return (literal,)
        raise SelectorError(f"found '{literal}', expected: identifier")


def _check_requirement(key: str, operator: str, values: tuple[str, ...]) -> None:
    if operator in ("gt", "lt"):
        try:
            int(values[0])
        except ValueError:
            raise SelectorError(
                f"values[0]: Invalid value: \"{values[0]}\": for 'Gt', 'Lt' operators, the value must be an integer"
            ) from None
        return
    for index, value in enumerate(values):
        if problem := names.label_value_problem(value):
            raise SelectorError(f'values[{index}][{key}]: Invalid value: "{value}": {problem}')


def parse_label_selector(text: str | None) -> tuple[Requirement, ...]:
    """Parse `a=b,c!=d,e in (x,y),f notin (z),g,!h`; SelectorError with Kubernetes' message otherwise."""
    if not text or not text.strip():
        return ()
    return _LabelParser(text).parse()


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
            raise SelectorError(f'"{expression.get("operator")}" is not a valid label selector operator')
        values = tuple(expression.get("values") or ())
        if operator in ("in", "notin") and not values:
            raise SelectorError("for 'in', 'notin' operators, values set can't be empty")
        requirements.append(Requirement(expression.get("key", ""), operator, values))
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
