"""LimitRange arithmetic and wording (kubemini.api.limit_ranges)."""

from __future__ import annotations

from kubemini.api.limit_ranges import aggregate, apply_defaults, claim_violations, defaults, pod_violations


def ranged(*items: dict) -> dict:
    return {"spec": {"limits": list(items)}}


def test_defaults_fill_what_containers_lack_and_say_so():
    requests, limits = defaults(
        ranged({"type": "Container", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "500m", "memory": "64Mi"}})
    )
    spec = {
        "containers": [{"name": "web", "resources": {"requests": {"memory": "1Gi"}}}],
        "initContainers": [{"name": "setup"}],
    }
    note = apply_defaults(spec, requests, limits)
    assert spec["containers"][0]["resources"] == {"requests": {"memory": "1Gi", "cpu": "500m"}, "limits": {"cpu": "1"}}
    assert note == (
        "LimitRanger plugin set: cpu request for container web; cpu limit for container web; "
        "cpu, memory request for init container setup; cpu limit for init container setup"
    )
    assert apply_defaults(spec, requests, limits) is None


def test_container_min_max_and_ratio():
    limit_range = ranged(
        {"type": "Container", "min": {"cpu": "100m"}, "max": {"memory": "1Gi"}, "maxLimitRequestRatio": {"cpu": "2"}}
    )
    pod = {
        "spec": {
            "containers": [
                {"name": "c", "resources": {"requests": {"cpu": "50m"}, "limits": {"cpu": "200m", "memory": "2Gi"}}}
            ]
        }
    }
    assert pod_violations(limit_range, pod) == [
        "minimum cpu usage per Container is 100m, but request is 50m",
        "maximum memory usage per Container is 1Gi, but limit is 2Gi",
        "cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000",
    ]
    empty = {"spec": {"containers": [{"name": "c"}]}}
    assert pod_violations(ranged({"type": "Container", "max": {"cpu": "1"}}), empty) == [
        "maximum cpu usage per Container is 1.  No limit is specified"
    ]


def test_pod_items_use_the_pod_sums():
    limit_range = ranged({"type": "Pod", "max": {"cpu": "1"}})
    container = {"resources": {"requests": {"cpu": "600m"}, "limits": {"cpu": "600m"}}}
    pod = {"spec": {"containers": [{"name": "a", **container}, {"name": "b", **container}]}}
    assert pod_violations(limit_range, pod) == ["maximum cpu usage per Pod is 1, but limit is 1200m"]


def test_claims_and_aggregation():
    limit_range = ranged({"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}, "max": {"storage": "10Gi"}})
    claim = {"spec": {"resources": {"requests": {"storage": "500Mi"}}}}
    found = claim_violations(limit_range, claim)
    assert found == ["minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi"]
    assert aggregate(found) == found[0]
    assert aggregate(["a", "b", "a"]) == "[a, b]"
