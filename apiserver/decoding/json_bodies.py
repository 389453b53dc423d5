"""Strict JSON for API bodies.

Python's `json` accepts what Go's decoder refuses, and what no client can read back:
`NaN`, `Infinity`, numbers that overflow a float, integers of thousands of digits.
Those are refused here (400). Lone UTF-16 surrogates (`"\\ud800"`) would make the
stored object unencodable; they become U+FFFD, as Go's decoder does. Keys repeated
in one object are kept last-one-wins, as Go does, and noted by object identity so
typed decoding can report them with their path for `fieldValidation`.
"""

from __future__ import annotations

import json
import math
import re

_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class JsonBodyError(ValueError):
    pass


def _refuse_constant(name: str) -> None:
    raise JsonBodyError(f"json: {name} is not a valid JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise JsonBodyError(f"json: cannot unmarshal number {text[:40]} into Go value of type float64")
    return value


def _fix_surrogates(value: object) -> object:
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_fix_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_fix_surrogates(key): _fix_surrogates(item) for key, item in value.items()}
    return value


def load_json(raw: bytes) -> tuple[object, dict[int, list[str]]]:
    """(document, duplicate keys by id of the object that repeated them)."""
    duplicates: dict[int, list[str]] = {}

    def build_object(pairs: list[tuple[str, object]]) -> dict:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated = [key for key, _ in pairs if key in seen or seen.add(key)]
            duplicates[id(obj)] = list(dict.fromkeys(repeated))
        return obj

    try:
        document = json.loads(
            raw,
            object_pairs_hook=build_object,
            parse_constant=_refuse_constant,
            parse_float=_finite_float,
        )
    except JsonBodyError:
        raise
    except RecursionError:
        raise JsonBodyError("json: exceeded max depth") from None
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError; so is a 5000-digit int
        raise JsonBodyError(f"json parse error: {exc}") from None
    if _SURROGATE_ESCAPE.search(raw):
        document = _fix_surrogates(document)
        duplicates = {}  # objects were rebuilt; a body this odd is not worth duplicate warnings
    return document, duplicates
