"""x-kubernetes-validations: CEL rules on a structural schema, compiled once and evaluated per write.

    CRD write ──rule_errors(raw rules, path)──► 422 when a rule does not compile (the CRD is refused)
    building  ──compile_rules(raw rules)───────► Rule objects on the schema nodes (Constraints.rules)
    CR write  ──validate_rules(root, new, old)─► FieldErrors: `spec: Invalid value: "object": <message>`

CEL comes from `cel-python` (`celpy`): a maintained, pure-Python implementation of the
CEL spec (standard macros and functions, has(), timestamps, durations). Kubernetes'
extension libraries are partly added here (string and list helpers, regex find). A rule
that names `oldSelf` is a transition rule: evaluated on update only, where the old
value correlates (same field, same map key, same list-map entry). Cost budgets are not
estimated.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass

import celpy
from celpy import celtypes

from kubemini.api.field_errors import FieldErrors
from kubemini.api.schema.nodes import LIST, MAP, OBJECT, Schema

logging.getLogger("celpy").setLevel(logging.WARNING)
REASONS = ("FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired", "FieldValueDuplicate")
_OLD_SELF = re.compile(r"\boldSelf\b")
_TYPES = {OBJECT: "object", MAP: "object", LIST: "array"}
_ENV = celpy.Environment()


class RuleError(ValueError):
    pass


def _string(value) -> celtypes.StringType:
    return celtypes.StringType(str(value))


def _index_of(value, item, *start):
    if isinstance(value, list):
        return celtypes.IntType(list(value).index(item) if item in value else -1)
    return celtypes.IntType(str(value).find(str(item), *(int(s) for s in start)))


def _last_index_of(value, item):
    if isinstance(value, list):
        positions = [i for i, v in enumerate(value) if v == item]
        return celtypes.IntType(positions[-1] if positions else -1)
    return celtypes.IntType(str(value).rfind(str(item)))


def _find_all(value, pattern, *limit):
    found = [_string(m.group(0)) for m in re.finditer(str(pattern), str(value))]
    return celtypes.ListType(found[: int(limit[0])] if limit and int(limit[0]) >= 0 else found)


def _find(value, pattern):
    match = re.search(str(pattern), str(value))
    return _string(match.group(0) if match else "")


# Part of Kubernetes' CEL libraries (strings, lists, regex), on top of the standard functions.
FUNCTIONS = {
    "lowerAscii": lambda s: _string(str(s).lower()),
    "upperAscii": lambda s: _string(str(s).upper()),
    "trim": lambda s: _string(str(s).strip()),
    "split": lambda s, sep, *n: celtypes.ListType(
        [_string(p) for p in str(s).split(str(sep), int(n[0]) - 1 if n and int(n[0]) > 0 else -1)]
    ),
    "join": lambda items, *sep: _string((str(sep[0]) if sep else "").join(str(i) for i in items)),
    "replace": lambda s, old, new, *n: _string(str(s).replace(str(old), str(new), int(n[0]) if n else -1)),
    "substring": lambda s, start, *end: _string(str(s)[int(start) : int(end[0]) if end else None]),
    "charAt": lambda s, i: _string(str(s)[int(i) : int(i) + 1]),
    "indexOf": _index_of,
    "lastIndexOf": _last_index_of,
    "isSorted": lambda items: celtypes.BoolType(list(items) == sorted(items)),
    "sum": lambda items: sum(items, celtypes.IntType(0)) if items else celtypes.IntType(0),
    "min": lambda items: min(items),
    "max": lambda items: max(items),
    "find": _find,
    "findAll": _find_all,
}


@dataclass(frozen=True)
class Rule:
    rule: str
    message: str
    reason: str
    field_path: str
    transition: bool  # names oldSelf: checked on update only
    optional_old_self: bool
    program: object
    message_program: object | None


def _compile(expression: str):
    try:
        return _ENV.program(_ENV.compile(expression), functions=FUNCTIONS)
    except celpy.CELParseError as exc:
        raise RuleError(f"compilation failed: ERROR: <input>: Syntax error: {str(exc).splitlines()[0]}") from None


def compile_rule(raw: dict) -> Rule:
    rule = str(raw.get("rule") or "")
    program = _compile(rule)
    message_expression = str(raw.get("messageExpression") or "")
    message_program = None
    if message_expression:
        try:
            message_program = _compile(message_expression)
        except RuleError as exc:
            raise RuleError(f"messageExpression {exc}") from None
    return Rule(
        rule=rule,
        message=str(raw.get("message") or "").strip(),
        reason=str(raw.get("reason") or "FieldValueInvalid"),
        field_path=str(raw.get("fieldPath") or ""),
        transition=bool(_OLD_SELF.search(rule)),
        optional_old_self=bool(raw.get("optionalOldSelf")),
        program=program,
        message_program=message_program,
    )


def rule_errors(rules: object, path: str, errors: FieldErrors) -> None:
    """Why the rules of one schema node cannot be used, added to `errors` (CRD validation)."""
    if not isinstance(rules, list):
        return
    for index, raw in enumerate(rules):
        where = f"{path}.x-kubernetes-validations[{index}]"
        if not isinstance(raw, dict) or not str(raw.get("rule") or "").strip():
            errors.required(f"{where}.rule")
            continue
        if raw.get("reason") is not None and raw["reason"] not in REASONS:
            errors.not_supported(f"{where}.reason", raw["reason"], REASONS)
        field_path = raw.get("fieldPath")
        if field_path and not str(field_path).startswith("."):
            errors.invalid(f"{where}.fieldPath", field_path, "fieldPath must be a valid path")
        try:
            compile_rule(raw)
        except RuleError as exc:
            field = "messageExpression" if str(exc).startswith("messageExpression") else "rule"
            errors.invalid(f"{where}.{field}", raw.get(field), str(exc).removeprefix("messageExpression "))


def compile_rules(rules: list, path: str = "") -> tuple[Rule, ...]:
    compiled = []
    for raw in rules:
        try:
            compiled.append(compile_rule(raw))
        except RuleError:
            continue  # refused when the CRD was written; a stored CRD with a broken rule skips it
    return tuple(compiled)


def _cel(value: object):
    return celpy.json_to_cel(value)


def _message(rule: Rule, activation: dict) -> str:
    if rule.message_program is not None:
        try:
            text = rule.message_program.evaluate(activation)
            if isinstance(text, str) and text.strip():
                return str(text)
        except celpy.CELEvalError:
            pass
    return rule.message or f"failed rule: {rule.rule.strip()}"


def _report(rule: Rule, schema: Schema, path: str, text: str, errors: FieldErrors) -> None:
    where = path + rule.field_path if rule.field_path else path
    where = where.lstrip(".")
    if rule.reason == "FieldValueForbidden":
        errors.forbidden(where, text)
    elif rule.reason == "FieldValueRequired":
        errors.required(where, text)
    elif rule.reason == "FieldValueDuplicate":
        errors.duplicate(where, text)
    else:
        errors.invalid(where, _TYPES.get(schema.kind, schema.kind), text)


def _evaluate(schema: Schema, value: object, old: object, path: str, errors: FieldErrors, *, updating: bool) -> None:
    for rule in schema.constraints.rules:
        if updating != rule.transition:
            continue  # plain rules run in validate, transition rules in validate_update
        if rule.transition and old is None and not rule.optional_old_self:
            continue
        activation = {"self": _cel(value)}
        if rule.transition:
            activation["oldSelf"] = _cel(old) if old is not None else None
        try:
            passed = rule.program.evaluate(activation)
        except celpy.CELEvalError as exc:
            detail = str(exc.args[0] if exc.args else exc)
            detail = re.sub(r"no such member in mapping: '([^']*)'", r"no such key: \1", detail)
            errors.invalid(path.lstrip(".") or "<nil>", _TYPES.get(schema.kind, schema.kind), f"{rule.rule}: {detail}")
            continue
        if passed is not True and passed != celtypes.BoolType(True):
            _report(rule, schema, path, _message(rule, activation), errors)


def validate_rules(
    schema: Schema, value: object, errors: FieldErrors, *, old: object = None, updating: bool = False, path: str = ""
) -> None:
    """Evaluate the rules on `value`'s nodes: plain rules, or (updating) the transition rules with the
    old values correlated to the new ones."""
    if not schema.structural or value is None:
        return
    if schema.constraints is not None and schema.constraints.rules:
        _evaluate(schema, value, old, path, errors, updating=updating)
    if isinstance(value, dict):
        old_map = old if isinstance(old, dict) else {}
        if schema.kind == MAP and schema.items is not None:
            for key, item in value.items():
                validate_rules(
                    schema.items, item, errors, old=old_map.get(key), updating=updating, path=f"{path}.{key}"
                )
        elif schema.kind == OBJECT:
            for key, child in schema.fields.items():
                if key in value:
                    child_path = f"{path}.{key}"
                    validate_rules(child, value[key], errors, old=old_map.get(key), updating=updating, path=child_path)
    elif isinstance(value, list) and schema.items is not None:
        olds = _correlated(schema, value, old)
        for index, item in enumerate(value):
            validate_rules(schema.items, item, errors, old=olds[index], updating=updating, path=f"{path}[{index}]")


def _correlated(schema: Schema, value: list, old: object) -> list:
    """Old list items that correlate with the new ones: list-maps by key, nothing otherwise."""
    if schema.list_type != "map" or not isinstance(old, list) or not schema.list_map_keys:
        return [None] * len(value)

    def key(item):
        return json.dumps([item.get(k) for k in schema.list_map_keys]) if isinstance(item, dict) else None

    by_key = {key(item): item for item in old}
    return [by_key.get(key(item)) for item in value]
