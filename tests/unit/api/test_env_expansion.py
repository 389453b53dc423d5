"""`$(VAR)` expansion, case by case as Kubernetes' expansion tests have them."""

from __future__ import annotations

import pytest

from kubemini.api.env_expansion import expand

ENV = {"VAR_A": "A", "VAR_B": "B", "VAR_C": "C", "VAR_REF": "$(VAR_A)", "VAR_EMPTY": "", "VAR_SPACE": " "}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$(VAR_A)", "A"),
        ("___$(VAR_B)___", "___B___"),
        ("$(VAR_A)-$(VAR_A)", "A-A"),
        ("$(VAR_A)$(VAR_B)$(VAR_C)", "ABC"),
        ("$(VAR_REF)", "$(VAR_A)"),  # values are not expanded again
        ("$(VAR_EMPTY)", ""),
        ("$(VAR_SPACE)x", " x"),
        ("$(UNKNOWN)", "$(UNKNOWN)"),
        ("$(UNKNOWN)$(VAR_A)", "$(UNKNOWN)A"),
        ("$$(VAR_A)", "$(VAR_A)"),  # escaped: never expanded
        ("$$$(VAR_A)", "$A"),
        ("$$$$(VAR_A)", "$$(VAR_A)"),
        ("f000-$$VAR_A", "f000-$VAR_A"),
        ("$VAR_A", "$VAR_A"),  # only the parenthesised form is a reference
        ("$(VAR_A", "$(VAR_A"),  # never closed
        ("$(VAR_A)$", "A$"),
        ("$", "$"),
        ("$()", "$()"),
        ("$(VAR_A)$(VAR_B", "A$(VAR_B"),
        ("?$(VAR_A)?", "?A?"),
        ("", ""),
    ],
)
def test_expand(text, expected):
    assert expand(text, ENV) == expected
