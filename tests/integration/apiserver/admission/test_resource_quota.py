"""ResourceQuota admission through the API: refusals with upstream wording, usage charged atomically.

The resourcequota controller does not run here: each test writes the quota's status itself
(what the controller would write), so admission's own arithmetic is what is measured.
"""

from __future__ import annotations

import asyncio

from tests.integration.apiserver.conftest import pod
from tests.support.api_http import async_api_http
from tests.support.processes import ApiServer


def make_quota(api, namespace: str, name: str, hard: dict, *, used: dict | None = None, **spec) -> dict:
    path = f"/api/v1/namespaces/{namespace}/resourcequotas"
    created = api.post(path, json={"metadata": {"name": name}, "spec": {"hard": hard, **spec}})
    assert created.status_code == 201, created.text
    quota = created.json()
    quota["status"] = {"hard": hard, "used": used if used is not None else {k: "0" for k in hard}}
    updated = api.put(f"{path}/{name}/status", json=quota)
    assert updated.status_code == 200, updated.text
    return updated.json()


def used_of(api, namespace: str, name: str) -> dict:
    return api.get(f"/api/v1/namespaces/{namespace}/resourcequotas/{name}").json()["status"]["used"]


def test_a_pod_over_the_quota_is_refused(api, namespace):
    make_quota(api, namespace, "q", {"pods": "2"})
    path = f"/api/v1/namespaces/{namespace}/pods"
    assert api.post(path, json=pod("a")).status_code == 201
    assert api.post(path, json=pod("b")).status_code == 201
    assert used_of(api, namespace, "q") == {"pods": "2"}
    refused = api.post(path, json=pod("c"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == (
        'pods "c" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2'
    )
    assert used_of(api, namespace, "q") == {"pods": "2"}


def test_compute_quota_needs_limits_and_charges_them(api, namespace):
    make_quota(api, namespace, "compute", {"limits.cpu": "1", "requests.memory": "1Gi"})
    path = f"/api/v1/namespaces/{namespace}/pods"
    refused = api.post(path, json=pod("bare"))
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        'pods "bare" is forbidden: failed quota: compute: must specify limits.cpu for: main; requests.memory for: main'
    )
    sized = pod("sized")
    sized["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "600m", "memory": "512Mi"}}
    assert api.post(path, json=sized).status_code == 201, "requests default to the limits"
    assert used_of(api, namespace, "compute") == {"limits.cpu": "600m", "requests.memory": "512Mi"}
    sized["metadata"]["name"] = "second"
    assert api.post(path, json=sized).json()["message"] == (
        'pods "second" is forbidden: exceeded quota: compute, requested: limits.cpu=600m, used: limits.cpu=600m, '
        "limited: limits.cpu=1"
    )


def test_a_quota_without_status_refuses_until_counted(api, namespace):
    created = api.post(
        f"/api/v1/namespaces/{namespace}/resourcequotas",
        json={"metadata": {"name": "new"}, "spec": {"hard": {"configmaps": "5"}}},
    )
    assert created.status_code == 201
    # Status not written yet (no controller): nothing is enforced, as upstream, until status.hard is set.
    assert api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "a"}}).status_code == 201
    quota = api.get(f"/api/v1/namespaces/{namespace}/resourcequotas/new").json()
    quota["status"] = {"hard": {"configmaps": "5"}}
    api.put(f"/api/v1/namespaces/{namespace}/resourcequotas/new/status", json=quota).raise_for_status()
    refused = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "b"}})
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        'configmaps "b" is forbidden: status unknown for quota: new, resources: configmaps'
    )


def test_object_counts_and_node_ports(api, namespace):
    make_quota(api, namespace, "objects", {"count/configmaps": "1", "services.nodeports": "1", "services": "5"})
    assert api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "a"}}).status_code == 201
    refused = api.post(f"/api/v1/namespaces/{namespace}/configmaps", json={"metadata": {"name": "b"}})
    assert "exceeded quota: objects, requested: count/configmaps=1" in refused.json()["message"]

    def service(name: str, ports: int) -> dict:
        spec = {"type": "NodePort", "ports": [{"name": f"p{i}", "port": 80 + i} for i in range(ports)]}
        return {"metadata": {"name": name}, "spec": spec}

    path = f"/api/v1/namespaces/{namespace}/services"
    assert api.post(path, json=service("one", 1)).status_code == 201
    refused = api.post(path, json=service("two", 1))
    assert refused.status_code == 403
    assert refused.json()["message"] == (
        'services "two" is forbidden: exceeded quota: objects, requested: services.nodeports=1, '
        "used: services.nodeports=1, limited: services.nodeports=1"
    )
    assert used_of(api, namespace, "objects") == {"count/configmaps": "1", "services": "1", "services.nodeports": "1"}


def test_scopes_select_which_pods_are_charged(api, namespace):
    make_quota(api, namespace, "best-effort", {"pods": "1"}, scopes=["BestEffort"])
    path = f"/api/v1/namespaces/{namespace}/pods"
    assert api.post(path, json=pod("a")).status_code == 201
    assert api.post(path, json=pod("b")).status_code == 403
    sized = pod("sized")
    sized["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "10m"}}
    assert api.post(path, json=sized).status_code == 201, "a NotBestEffort pod is outside the quota"


async def _create_concurrently(url: str, namespace: str, names: list[str]) -> list[int]:
    async with async_api_http(base_url=url, timeout=30) as client:
        responses = await asyncio.gather(
            *(client.post(f"/api/v1/namespaces/{namespace}/pods", json=pod(name)) for name in names)
        )
    return [r.status_code for r in responses]


def test_concurrent_creates_never_both_pass_a_quota_of_one(api, apiserver, namespace):
    for round_ in range(5):
        name = f"one-{round_}"
        make_quota(api, namespace, name, {"count/pods": "1"})
        codes = asyncio.run(_create_concurrently(apiserver.url, namespace, [f"r{round_}-a", f"r{round_}-b"]))
        assert sorted(codes) == [201, 403], codes
        api.delete(f"/api/v1/namespaces/{namespace}/resourcequotas/{name}").raise_for_status()
        for pod_name in (f"r{round_}-a", f"r{round_}-b"):
            api.delete(f"/api/v1/namespaces/{namespace}/pods/{pod_name}", params={"gracePeriodSeconds": "0"})
    make_quota(api, namespace, "three", {"count/pods": "3"})
    codes = asyncio.run(_create_concurrently(apiserver.url, namespace, [f"many-{i}" for i in range(6)]))
    assert sorted(codes) == [201] * 3 + [403] * 3, codes
    assert used_of(api, namespace, "three") == {"count/pods": "3"}


async def _create_on_each(urls: list[str], namespace: str, names: list[str]) -> list[int]:
    clients = [async_api_http(base_url=url, timeout=30) for url in urls]
    try:
        responses = await asyncio.gather(
            *(
                clients[index % len(clients)].post(f"/api/v1/namespaces/{namespace}/pods", json=pod(name))
                for index, name in enumerate(names)
            )
        )
    finally:
        for client in clients:
            await client.aclose()
    return [r.status_code for r in responses]


def test_two_apiservers_share_one_quota_correctly(api, apiserver, etcd_server, namespace, tmp_path):
    """Each server serialises its own charges; across servers only the etcd revision compare does it."""
    second = ApiServer(etcd_server.url, tmp_path / "second-apiserver.log").start()
    try:
        for round_ in range(4):
            name = f"shared-{round_}"
            make_quota(api, namespace, name, {"count/pods": "1"})
            names = [f"s{round_}-{i}" for i in range(4)]
            codes = asyncio.run(_create_on_each([apiserver.url, second.url], namespace, names))
            assert sorted(codes) == [201, 403, 403, 403], codes
            api.delete(f"/api/v1/namespaces/{namespace}/resourcequotas/{name}").raise_for_status()
            for pod_name in names:
                api.delete(f"/api/v1/namespaces/{namespace}/pods/{pod_name}", params={"gracePeriodSeconds": "0"})
    finally:
        second.stop()
