"""Every text colour of the dashboard's stylesheet against its background: WCAG AA (4.5:1 for text)."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[3] / "dashboard" / "static" / "style.css").read_text()
VARIABLES = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", CSS))
AA_TEXT = 4.5

# (text, background): a variable name or a literal colour used in the stylesheet.
PAIRS = [
    ("fg", "bg"), ("muted", "bg"), ("muted", "panel"), ("fg", "panel"), ("accent", "bg"), ("accent-fg", "accent"),
    ("good-fg", "good-bg"), ("warn-fg", "warn-bg"), ("bad-fg", "bad-bg"), ("done-fg", "done-bg"), ("bad-fg", "bg"),
    ("#ffffff", "#14213d"), ("#14213d", "#ffffff"), ("#ffffff", "#2b3a5c"), ("#ffffff", "#5c2b2b"),
    ("#ffffff", "#1d5a33"), ("#ffffff", "#8c1117"), ("fg", "#e3ecfa"), ("fg", "#f0f4fb"), ("#5f6670", "#eceef1"),
    ("#e8eaed", "#101418"), ("#f6c453", "#101418"), ("#9aa4ae", "#101418"),
]  # fmt: skip


def colour(name: str) -> str:
    if name.startswith("#"):
        assert name.lower() in CSS.lower(), f"{name} is no longer in style.css: update this table"
        return name
    return VARIABLES[name]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize(("text", "background"), PAIRS)
def test_text_is_readable_on_its_background(text, background):
    ratio = contrast(colour(text), colour(background))
    assert ratio >= AA_TEXT, f"{text} on {background}: {ratio:.2f}:1"


def test_the_formula_matches_known_ratios():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 2) == 4.54
