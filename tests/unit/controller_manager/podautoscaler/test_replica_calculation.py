"""The replica calculator against the worked examples of Kubernetes' HPA documentation and upstream's
replica_calculator_test.go cases (usage ratio, tolerance, unready pods, missing metrics, CPU initialization)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from controller_manager.podautoscaler.replica_calculation import (
    MetricsError,
    PodSample,
    average_value_replicas,
    utilization_replicas,
)
from kubemini.api import timestamps

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(hours=1)


def pod(name: str, *, ready: bool = True, phase: str = "Running", started: datetime = LONG_AGO,
        ready_since: datetime | None = None, request: str | None = "1", deleting: bool = False) -> dict:  # fmt: skip
    resources = {"requests": {"cpu": request, "memory": "100Mi"}} if request else {}
    metadata: dict = {"name": name}
    if deleting:
        metadata["deletionTimestamp"] = timestamps.format_time(NOW)
    transition = timestamps.format_time(ready_since or started)
    return {
        "metadata": metadata,
        "spec": {"containers": [{"name": "app", "resources": resources}]},
        "status": {
            "phase": phase,
            "startTime": timestamps.format_time(started),
            "conditions": [{"type": "Ready", "status": str(ready), "lastTransitionTime": transition}],
        },
    }


def samples(**millis: float) -> dict[str, PodSample]:
    return {name: PodSample(value, NOW) for name, value in millis.items()}


def cpu(current: int, pods: list[dict], usage: dict[str, PodSample], target: int) -> tuple[int, int | None]:
    proposal = utilization_replicas(
        current, target_utilization=target, resource="cpu", pods=pods, samples=usage, now=NOW
    )
    return proposal.replicas, proposal.utilization


@pytest.mark.parametrize(
    ("usage", "target", "expected"),
    [
        # docs: desiredReplicas = ceil[currentReplicas * (currentMetricValue / desiredMetricValue)]
        ({"a": 200, "b": 200}, 10, (4, 20)),  # 200m against 100m (10 % of 1 CPU): doubled
        ({"a": 50, "b": 50}, 10, (1, 5)),  # 50m against 100m: halved
        ({"a": 105, "b": 105}, 10, (2, 10)),  # ratio 1.0 (10 %/10 %): nothing to do
        ({"a": 540, "b": 540}, 50, (2, 54)),  # ratio 1.08: within the 10 % tolerance, no change
        ({"a": 560, "b": 560}, 50, (3, 56)),  # ratio 1.12: outside, ceil(1.12 * 2) = 3
    ],
)
def test_usage_ratio_and_tolerance(usage, target, expected):
    pods = [pod(name) for name in usage]
    assert cpu(2, pods, samples(**usage), target) == expected


def test_scale_up_upstream_case():
    pods = [pod("a"), pod("b"), pod("c")]
    assert cpu(3, pods, samples(a=300, b=500, c=700), 30) == (5, 50)


def test_scale_down_upstream_case():
    pods = [pod(n) for n in "abcde"]
    assert cpu(5, pods, samples(a=100, b=300, c=500, d=250, e=250), 50) == (3, 28)


def test_unready_pods_count_as_idle_when_scaling_up():
    pods = [pod("a", ready=False), pod("b"), pod("c")]
    assert cpu(3, pods, samples(a=300, b=500, c=700), 30) == (4, 60)


def test_unready_pods_are_left_out_when_scaling_down():
    pods = [pod("a"), pod("b"), pod("c"), pod("d", ready=False), pod("e", ready=False)]
    assert cpu(5, pods, samples(a=100, b=300, c=500, d=250, e=250), 50) == (2, 30)


def test_pending_pods_are_unready_and_deleting_pods_ignored():
    pods = [pod("a"), pod("b", phase="Pending"), pod("c", deleting=True), pod("d", phase="Failed")]
    # a at 100 % of 50 % → ratio 2, b filled with 0: (100 % + 0) / 2 = 50 % → ratio 1.0 → no change
    assert cpu(4, pods, samples(a=1000, c=5000, d=5000), 50) == (4, 100)


def test_missing_metrics_at_100_percent_when_scaling_down():
    pods = [pod("a"), pod("b"), pod("c"), pod("d")]
    # a, b at 10 % of a 50 % target; c, d missing count as 100 %: (10+10+100+100)/4 = 55 % → ratio 1.1, in tolerance
    assert cpu(4, pods, samples(a=100, b=100), 50) == (4, 10)


def test_missing_metrics_at_0_when_scaling_up():
    pods = [pod("a"), pod("b"), pod("c")]
    # a at 300 %: ratio 6; b, c missing as 0: 100 % → ratio 2 → ceil(2 * 3) = 6
    assert cpu(3, pods, samples(a=3000), 50) == (6, 300)


def test_missing_metrics_that_reverse_the_direction_keep_the_count():
    pods = [pod("a"), pod("b"), pod("c"), pod("d")]
    # a at 60 % of 50 %: ratio 1.2 up; with b, c, d at 0: 15 % → ratio 0.3 down: no change
    assert cpu(4, pods, samples(a=600), 50) == (4, 60)


def test_cpu_initialization_period():
    started = NOW - timedelta(minutes=1)
    fresh = pod("a", started=started, ready_since=NOW - timedelta(seconds=10))  # sample predates readiness + window
    settled = pod("b", started=started, ready_since=started)
    usage = {"a": PodSample(2000, NOW), "b": PodSample(1000, NOW)}
    # a is unready (filled with 0 since scaling up): (0 + 100 %)/2 = 50 % of 25 % → ratio 2 → 4
    assert cpu(2, [fresh, settled], usage, 25) == (4, 100)


def test_after_initialization_a_pod_unready_from_the_start_is_left_out():
    started = NOW - timedelta(minutes=10)
    never_ready = pod("a", ready=False, started=started, ready_since=started + timedelta(seconds=5))
    became_unready = pod("b", ready=False, started=started, ready_since=started + timedelta(minutes=5))
    usage = samples(a=2000, b=1000)
    # a turned unready within 30 s of its start: left out; b counts (unready much later): 100 % of 50 % → ratio 2,
    # a filled with 0 → 50 % → ratio 1.0 → no change
    assert cpu(2, [never_ready, became_unready], usage, 50) == (2, 100)


def test_missing_request_is_an_error():
    with pytest.raises(MetricsError, match="missing request for cpu in container app of Pod a"):
        cpu(1, [pod("a", request=None)], samples(a=100), 50)


def test_no_samples_is_an_error():
    with pytest.raises(MetricsError, match="did not receive metrics for targeted pods"):
        cpu(1, [pod("a")], {}, 50)


def test_average_value_target():
    pods = [pod("a"), pod("b")]
    proposal = average_value_replicas(
        2, target_average=100, resource="cpu", pods=pods, samples=samples(a=300, b=300), now=NOW
    )
    assert (proposal.replicas, proposal.average) == (6, 300)


def test_memory_utilization_ignores_the_cpu_initialization_period():
    started = NOW - timedelta(seconds=20)
    fresh = pod("a", started=started, ready_since=NOW - timedelta(seconds=5))
    usage = {"a": PodSample(200 * 2**20, NOW)}  # 200Mi of a 100Mi request: 200 % of a 100 % target
    proposal = utilization_replicas(1, target_utilization=100, resource="memory", pods=[fresh], samples=usage, now=NOW)
    assert (proposal.replicas, proposal.utilization) == (2, 200)
