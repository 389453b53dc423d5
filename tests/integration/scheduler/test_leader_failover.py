"""Two scheduler processes under one Lease; kill -9 the leader in the middle of a burst.

Every pod event is read from a watch: once a pod shows a nodeName it must never
show another (no pod bound twice), and after the standby takes over every pod
must end up bound (none left pending).
"""

from __future__ import annotations

import asyncio
import time

from kubemini.api.registry import by_kind
from tests.integration.scheduler.conftest import NODE, POD, wait_until
from tests.support.watch_reader import WatchReader
from tests.unit.scheduler.objects import make_node, make_pod

PODS = 200
NODES = 20
KILL_AFTER_BOUND = 40
LEASE = by_kind("Lease")


async def lease_holder(api) -> str:
    lease = await api.get(LEASE, "kube-scheduler", namespace="kube-system")
    return lease["spec"].get("holderIdentity") or ""


class Placements:
    """Folds watch events into pod → every distinct nodeName it was ever seen with."""

    def __init__(self, reader: WatchReader):
        self.reader = reader
        self.seen: dict[str, list[str]] = {}

    def drain(self) -> None:
        while not self.reader.events.empty():
            event = self.reader.events.get_nowait()
            if event is None or event["type"] not in ("ADDED", "MODIFIED"):
                continue
            pod = event["object"]
            nodes = self.seen.setdefault(pod["metadata"]["name"], [])
            node = pod["spec"].get("nodeName")
            if node and node not in nodes:
                nodes.append(node)

    def bound(self) -> int:
        self.drain()
        return sum(1 for nodes in self.seen.values() if nodes)


async def test_standby_takes_over_after_kill_9_without_binding_any_pod_twice(api, own_apiserver, start_scheduler):
    for index in range(NODES):
        await api.create(NODE, make_node(f"node-{index}", cpu="32", memory="64Gi"))
    leader = start_scheduler(identity="first", leader_elect=True)
    await wait_until(lambda: _holder_is(api, "first"), what="the first scheduler to lead")
    standby = start_scheduler(identity="second", leader_elect=True)

    reader = WatchReader(own_apiserver.url, "/api/v1/namespaces/default/pods")
    placements = Placements(reader)
    try:
        semaphore = asyncio.Semaphore(16)

        async def create(index: int) -> None:
            async with semaphore:
                await api.create(POD, make_pod(f"burst-{index}", cpu="50m", memory="64Mi"))

        creating = asyncio.gather(*(create(i) for i in range(PODS)))
        await wait_until(lambda: placements.bound() >= KILL_AFTER_BOUND, what=f"{KILL_AFTER_BOUND} pods bound")
        leader.kill()
        killed_at, bound_at_kill = time.monotonic(), placements.bound()
        assert bound_at_kill < PODS, "the burst was over before the kill: nothing was tested"

        await creating
        await wait_until(
            lambda: placements.bound() == PODS,
            what="every pod bound after the takeover",
            timeout=45,
            describe=lambda: f"{placements.bound()} bound; standby log:\n{standby.log_tail(1500)}",
        )
        took = time.monotonic() - killed_at
        twice = {name: nodes for name, nodes in placements.seen.items() if len(nodes) > 1}
        assert twice == {}, f"pods bound to more than one node: {twice}"
        listed = (await api.list(POD, namespace="default"))["items"]
        assert len(listed) == PODS and all(pod["spec"].get("nodeName") for pod in listed)
        assert await lease_holder(api) == "second"
        scheduled_by_standby = standby.metric("scheduler_schedule_attempts_total", result="scheduled")
        assert 0 < scheduled_by_standby <= PODS - bound_at_kill
        assert took < 40
    finally:
        reader.close()


async def _holder_is(api, identity: str) -> bool:
    try:
        return await lease_holder(api) == identity
    except Exception:  # noqa: BLE001 - the Lease does not exist yet
        return False
