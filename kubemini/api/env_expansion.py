"""`$(VAR)` expansion in a container's env values, command and args, exactly as Kubernetes does it.

Kubernetes' third_party/forked/golang/expansion, rule by rule:
    `$(NAME)` with NAME defined ──► its value        `$(NAME)` undefined ──► left as written
    `$$` ──► `$` (an escaped operator: `$$(NAME)` gives `$(NAME)`, never expanded)
    `$` before anything else, a lone `$` at the end, `$(` never closed ──► kept as they are
"""

from __future__ import annotations

from collections.abc import Mapping

OPERATOR, OPENER, CLOSER = "$", "(", ")"


def _read_reference(text: str) -> tuple[str, bool, int]:
    """What follows a `$`: (text to write or variable name, is it a variable, characters consumed)."""
    first = text[0]
    if first == OPERATOR:
        return OPERATOR, False, 1
    if first == OPENER:
        closer = text.find(CLOSER, 1)
        if closer != -1:
            return text[1:closer], True, closer + 1
        return OPERATOR + OPENER, False, 1
    return OPERATOR + first, False, 1


def expand(text: str, env: Mapping[str, str]) -> str:
    out: list[str] = []
    checkpoint = cursor = 0
    while cursor < len(text):
        if text[cursor] == OPERATOR and cursor + 1 < len(text):
            out.append(text[checkpoint:cursor])
            read, is_variable, advance = _read_reference(text[cursor + 1 :])
            if is_variable:
                out.append(env[read] if read in env else f"$({read})")
            else:
                out.append(read)
            cursor += advance
            checkpoint = cursor + 1
        cursor += 1
    return "".join(out) + text[checkpoint:]
