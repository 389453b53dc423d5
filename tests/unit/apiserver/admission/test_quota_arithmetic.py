"""Quota arithmetic: what objects charge, scopes, and how amounts print."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction

from kubemini.api.quota.resources import exceeded, format_amount, pretty, subtract_non_negative
from kubemini.api.quota.scopes import quota_selects
from kubemini.api.quota.usage import accounts_for, missing_requirements, quota_usage, usage_of

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def pod(name: str = "p", *, cpu: str | None = None, limit: str | None = None, phase: str | None = None, **spec) -> dict:
    resources: dict = {}
    if cpu:
        resources["requests"] = {"cpu": cpu, "memory": "64Mi"}
    if limit:
        resources["limits"] = {"cpu": limit}
    body = {"metadata": {"name": name}, "spec": {"containers": [{"name": "c", "resources": resources}], **spec}}
    if phase:
        body["status"] = {"phase": phase}
    return body


def test_a_pod_charges_its_requests_and_limits_and_init_containers_as_a_peak():
    body = pod(cpu="100m", limit="1")
    body["spec"]["initContainers"] = [{"name": "i", "resources": {"requests": {"cpu": "500m"}}}]
    charged = usage_of("pods", "", body, now=NOW)
    assert charged["pods"] == 1 and charged["count/pods"] == 1
    assert charged["requests.cpu"] == charged["cpu"] == Fraction(1, 2)
    assert charged["requests.memory"] == 64 * 2**20
    assert charged["limits.cpu"] == 1


def test_finished_pods_charge_only_their_count():
    assert usage_of("pods", "", pod(cpu="1", phase="Succeeded"), now=NOW) == {"count/pods": 1}


def test_services_and_claims():
    service = {"spec": {"type": "LoadBalancer", "ports": [{"port": 80}, {"port": 443}]}}
    assert usage_of("services", "", service, now=NOW) == {
        "count/services": 1,
        "services": 1,
        "services.loadbalancers": 1,
        "services.nodeports": 2,
    }
    claim = {"spec": {"storageClassName": "fast", "resources": {"requests": {"storage": "1Gi"}}}}
    charged = usage_of("persistentvolumeclaims", "", claim, now=NOW)
    assert charged["requests.storage"] == 2**30
    assert charged["fast.storageclass.storage.k8s.io/requests.storage"] == 2**30
    assert usage_of("deployments", "apps", {}, now=NOW) == {"count/deployments.apps": 1}


def test_which_names_a_kind_is_charged_for():
    assert accounts_for("pods", "", "requests.nvidia.com/gpu")
    assert not accounts_for("pods", "", "services")
    assert accounts_for("deployments", "apps", "count/deployments.apps")
    assert not accounts_for("deployments", "apps", "count/deployments")


def test_scopes_select_pods_only():
    best_effort = {"spec": {"scopes": ["BestEffort"]}}
    assert quota_selects(best_effort, "pods", "", pod())
    assert not quota_selects(best_effort, "pods", "", pod(cpu="1"))
    assert not quota_selects(best_effort, "services", "", {})
    terminating = {"spec": {"scopes": ["Terminating"]}}
    assert quota_selects(terminating, "pods", "", pod(activeDeadlineSeconds=30))
    by_class = {
        "spec": {
            "scopeSelector": {
                "matchExpressions": [{"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]
            }
        }
    }
    assert quota_selects(by_class, "pods", "", pod(priorityClassName="high"))
    assert not quota_selects(by_class, "pods", "", pod(priorityClassName="low"))


def test_must_specify_lists_containers_per_resource():
    spec = {"containers": [{"name": "a"}, {"name": "b", "resources": {"limits": {"cpu": "1"}}}]}
    assert missing_requirements(spec, {"limits.cpu", "requests.memory", "pods"}) == (
        "must specify limits.cpu for: a; requests.memory for: a,b"
    )
    assert missing_requirements(spec, {"pods"}) is None


def test_amounts_print_as_quantities():
    assert format_amount("requests.cpu", Fraction(3, 10)) == "300m"
    assert format_amount("requests.memory", Fraction(3 * 2**29)) == "1536Mi"
    assert format_amount("pods", Fraction(2)) == "2"
    assert pretty({"pods": Fraction(2), "limits.cpu": Fraction(3, 2)}) == "limits.cpu=1500m,pods=2"
    assert exceeded({"pods": Fraction(3), "cpu": Fraction(1)}, {"pods": Fraction(2)}) == ["pods"]
    assert subtract_non_negative({"pods": Fraction(1)}, {"pods": Fraction(2)}) == {"pods": 0}


def test_status_used_from_live_objects():
    quota = {"spec": {"hard": {"pods": "5", "requests.cpu": "2", "count/deployments.apps": "3"}}}
    objects = {
        ("", "pods"): [pod("a", cpu="250m"), pod("b", cpu="1", phase="Failed")],
        ("apps", "deployments"): [{}, {}],
    }
    assert quota_usage(quota, objects, now=NOW) == {
        "pods": 1,
        "requests.cpu": Fraction(1, 4),
        "count/deployments.apps": 2,
    }
