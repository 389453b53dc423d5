from fractions import Fraction

import pytest

from kubemini.api.quantity import QuantityError, cpu_millis, parse_quantity, to_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100m", Fraction(1, 10)),
        ("0.5", Fraction(1, 2)),
        ("2", Fraction(2)),
        ("64Mi", Fraction(64 * 2**20)),
        ("1G", Fraction(10**9)),
        ("1Gi", Fraction(2**30)),
        ("1e3", Fraction(1000)),
        ("1.5Ki", Fraction(1536)),
        ("250u", Fraction(250, 10**6)),
        (".5", Fraction(1, 2)),
        (3, Fraction(3)),
    ],
)
def test_parse_exact(text, expected):
    assert parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1.2.3", "5 Mi", "1Qi", "--1", "Mi", True])
def test_parse_rejects_malformed(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)


def test_cpu_and_memory_helpers_round_up():
    assert cpu_millis("0.1") + cpu_millis("0.2") == 300
    assert cpu_millis("1.0001") == 1001
    assert to_bytes("1.5Ki") == 1536
    assert to_bytes("128Mi") == 134217728
