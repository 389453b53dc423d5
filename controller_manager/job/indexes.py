"""Completion indexes of an Indexed Job and their interval strings (`status.completedIndexes: "0-2,5"`).

    "1,3-5" ──parse_indexes(text, completions)──► {1, 3, 4, 5} (out-of-range entries dropped)
    {1, 3, 4, 5} ──format_indexes──► "1,3-5"

Kubernetes keeps succeeded and failed indexes in this form: the index is what
prevents a succeeded pod from being counted twice, so no uid needs tracking.
"""

from __future__ import annotations

from collections.abc import Iterable


def parse_indexes(text: str | None, completions: int) -> set[int]:
    indexes: set[int] = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition("-")
        try:
            low, high = int(first), int(last or first)
        except ValueError:
            continue  # written by someone else and malformed: Kubernetes ignores it too
        indexes.update(range(max(low, 0), min(high, completions - 1) + 1))
    return indexes


def format_indexes(indexes: Iterable[int]) -> str:
    """Kubernetes' orderedIntervals.String: runs of three or more as `a-b`, a pair as `a,b`."""
    runs: list[list[int]] = []
    for index in sorted(set(indexes)):
        if runs and index == runs[-1][1] + 1:
            runs[-1][1] = index
        else:
            runs.append([index, index])
    parts = []
    for first, last in runs:
        if last == first:
            parts.append(str(first))
        else:
            parts.append(f"{first}{',' if last == first + 1 else '-'}{last}")
    return ",".join(parts)
