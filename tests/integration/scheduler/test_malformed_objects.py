"""The scheduler meets stored pods and nodes it cannot interpret, and goes on scheduling the others.

Malformed objects are written straight into etcd (the API server would refuse them);
the scheduler must neither crash nor stall: a valid pod created afterwards is bound.
"""

from __future__ import annotations

import asyncio

from tests.integration.scheduler.conftest import NODE, POD, wait_bound
from tests.support.raw_etcd import put_raw
from tests.unit.scheduler.objects import make_node, make_pod

BAD_PODS = {
    "tolerations-string": {"tolerations": "all"},
    "node-selector-list": {"nodeSelector": ["a"]},
    "containers-string": {"containers": "nginx"},
    "affinity-list": {"affinity": ["x"]},
    "bad-quantity": {"containers": [{"name": "c", "image": "i", "resources": {"requests": {"cpu": "lots"}}}]},
}


def _stored_pod(name: str, spec_changes: dict) -> dict:
    pod = make_pod(name)
    pod["metadata"].update({"uid": f"uid-{name}", "creationTimestamp": "2026-01-01T00:00:00Z"})
    pod["spec"].update(spec_changes)
    pod["spec"].setdefault("schedulerName", "default-scheduler")
    return pod


async def test_scheduler_skips_malformed_pods_and_nodes(own_etcd, api, start_scheduler):
    await api.create(NODE, make_node("good", cpu="4"))
    for name, changes in BAD_PODS.items():
        await put_raw(own_etcd.url, f"/registry/pods/default/{name}", _stored_pod(name, changes))
    await put_raw(own_etcd.url, "/registry/nodes/bad-status", {"metadata": {"name": "bad-status"}, "status": "x"})
    await put_raw(
        own_etcd.url, "/registry/nodes/bad-taints", {"metadata": {"name": "bad-taints"}, "spec": {"taints": "x"}}
    )
    await put_raw(own_etcd.url, "/registry/pods/default/not-json", b"{not json")
    scheduler = start_scheduler()
    await api.create(POD, make_pod("fine", cpu="1"))
    assert await wait_bound(api, "fine") == "good"
    assert scheduler.process.poll() is None, scheduler.log_tail()

    async def still_alive_later():
        await api.create(POD, make_pod("fine-2", cpu="1"))
        return await wait_bound(api, "fine-2")

    assert await still_alive_later() == "good"
    await asyncio.sleep(3)  # long enough for the backoff to retry the malformed pods at least once
    assert scheduler.process.poll() is None, scheduler.log_tail()
    log = scheduler.log_tail(200_000)
    assert log.count("scheduling default/tolerations-string failed") == 1, "a malformed pod is logged once"
