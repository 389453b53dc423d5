"""parse_duration_seconds: Go's time.ParseDuration text or plain seconds, as the --*-duration flags take."""

from __future__ import annotations

import pytest

from kubemini.api.durations import parse_duration_seconds


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("8760h", 31536000.0),
        ("8760h0m0s", 31536000.0),
        ("1h30m", 5400.0),
        ("1.5h", 5400.0),
        ("90s", 90.0),
        ("250ms", 0.25),
        ("1m0.5s", 60.5),
        ("0", 0.0),
        ("600", 600.0),
        ("2.5", 2.5),
        ("-1h", -3600.0),
        ("10us", 1e-05),
    ],
)
def test_parses(text, seconds):
    assert parse_duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "h", "1d", "1h30", "abc", "1 h", "nan", "inf", "-"])
def test_refuses_with_gos_message(text):
    with pytest.raises(ValueError, match=r'time: invalid duration "'):
        parse_duration_seconds(text)
