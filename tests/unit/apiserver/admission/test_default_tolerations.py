"""DefaultTolerationSeconds: not-ready and unreachable NoExecute tolerations added unless already there."""

from __future__ import annotations

from apiserver.admission.default_tolerations import with_default_tolerations


def test_both_tolerations_are_added_with_the_configured_seconds():
    spec: dict = {}
    with_default_tolerations(spec, not_ready_seconds=300, unreachable_seconds=60)
    assert spec["tolerations"] == [
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60},
    ]


def test_existing_tolerations_are_respected():
    mine = {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 5,
    }
    spec = {"tolerations": [mine]}
    with_default_tolerations(spec, not_ready_seconds=300, unreachable_seconds=300)
    assert [t["key"] for t in spec["tolerations"]] == ["node.kubernetes.io/unreachable", "node.kubernetes.io/not-ready"]
    everything = {"tolerations": [{"operator": "Exists"}]}
    with_default_tolerations(everything, not_ready_seconds=300, unreachable_seconds=300)
    assert everything["tolerations"] == [{"operator": "Exists"}]
