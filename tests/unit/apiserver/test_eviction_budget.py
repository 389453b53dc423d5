"""Spending a PodDisruptionBudget for one eviction, with Kubernetes' refusals."""

from __future__ import annotations

import pytest

from apiserver.errors import ApiError
from apiserver.subresources.eviction import spend_disruption
from kubemini.api.disruption import VIOLATION_MESSAGE, budget_irrelevant, selects


def budget(allowed: int, *, generation: int = 1, observed: int = 1) -> dict:
    return {
        "metadata": {"name": "web", "generation": generation},
        "spec": {"selector": {"matchLabels": {"app": "web"}}},
        "status": {
            "disruptionsAllowed": allowed,
            "observedGeneration": observed,
            "desiredHealthy": 2,
            "currentHealthy": 2,
        },
    }


def test_spending_the_last_disruption_records_the_pod_and_closes_the_budget():
    spent = spend_disruption(budget(1), "web-1")
    assert spent["status"]["disruptionsAllowed"] == 0 and "web-1" in spent["status"]["disruptedPods"]
    assert spent["status"]["conditions"][0]["reason"] == "InsufficientPods"


@pytest.mark.parametrize(
    ("pdb", "code", "cause"),
    [
        (budget(0), 429, "needs 2 healthy pods and has 2 currently"),
        (budget(1, generation=2), 429, "is still being processed by the server"),
        (budget(-1), 403, None),
    ],
)
def test_refusals(pdb, code, cause):
    with pytest.raises(ApiError) as raised:
        spend_disruption(pdb, "web-1")
    assert raised.value.code == code
    if code == 429:
        assert raised.value.status["message"] == VIOLATION_MESSAGE
        assert cause in raised.value.status["details"]["causes"][0]["message"]


def test_which_pods_a_budget_covers_and_which_never_count():
    pod = {"metadata": {"labels": {"app": "web"}}, "status": {"phase": "Running"}}
    assert selects(budget(1), pod)
    assert selects({"spec": {"selector": {}}}, pod), "an empty selector covers the whole namespace"
    assert not selects({"spec": {}}, pod), "a missing selector covers nothing"
    assert budget_irrelevant({"status": {"phase": "Pending"}}) and not budget_irrelevant(pod)
