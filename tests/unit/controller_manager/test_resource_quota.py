"""The resourcequota controller's pure parts (the status it writes, the kinds `count/` names point at) and
where it reads the objects it counts from."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

from controller_manager.resource_quota import ResourceQuotaController, count_target, status_for
from kubemini.api.registry import by_kind


def test_status_mirrors_hard_and_prints_used_as_quantities():
    quota = {"spec": {"hard": {"pods": "10", "requests.memory": "1Gi"}}}
    used = {"pods": Fraction(2), "requests.memory": Fraction(3 * 2**28)}
    assert status_for(quota, used) == {
        "hard": {"pods": "10", "requests.memory": "1Gi"},
        "used": {"pods": "2", "requests.memory": "768Mi"},
    }


def test_count_names_point_at_a_group_and_resource():
    assert count_target("count/deployments.apps") == ("apps", "deployments")
    assert count_target("count/pods") == ("", "pods")
    assert count_target("count/widgets.example.com") == ("example.com", "widgets")
    assert count_target("pods") is None


class StubInformer:
    def __init__(self, rt, items: list[dict], revision: str):
        self.rt, self.items, self.resource_version = rt, items, revision

    def list(self) -> list[dict]:
        return self.items

    def has_seen(self, revision: str) -> bool:
        return int(self.resource_version) >= int(revision)


class StubClient:
    def __init__(self, served: dict[str, list[dict]]):
        self.served, self.listed = served, []

    async def list_all(self, rt, *, namespace=None):
        self.listed.append((rt.plural, namespace))
        return {"items": self.served[rt.plural]}


def named(name: str, namespace: str = "ns") -> dict:
    return {"metadata": {"name": name, "namespace": namespace}}


async def test_objects_come_from_a_list_when_the_cache_is_older_than_the_quota():
    # Admission charged pod "c" to the quota at revision 12; the pod watch has delivered up to 11.
    pods = StubInformer(by_kind("Pod"), [named("b"), named("x", "other")], "11")
    services = StubInformer(by_kind("Service"), [named("s")], "5")
    secrets = StubInformer(by_kind("Secret"), [named("k")], "5")
    client = StubClient({"pods": [named("b"), named("c")]})
    controller = SimpleNamespace(
        client=client,
        watched={("", "pods"): pods, ("", "services"): services, ("", "secrets"): secrets},
    )
    quota = {"metadata": {"namespace": "ns", "resourceVersion": "12"}, "spec": {"hard": {"pods": "2"}}}
    objects = await ResourceQuotaController._objects(controller, quota, "ns")
    assert objects == {("", "pods"): [named("b"), named("c")]}, "kinds the quota does not track are not read"
    assert client.listed == [("pods", "ns")]

    pods.resource_version = "12"
    client.listed.clear()
    objects = await ResourceQuotaController._objects(controller, quota, "ns")
    assert objects == {("", "pods"): [named("b")]}, "a cache that has seen the quota's revision is used"
    assert client.listed == []
