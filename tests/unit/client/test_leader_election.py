"""LeaderElector against the fake apiserver: one leader, takeover, release, renew deadline."""

from __future__ import annotations

import asyncio
import time

import pytest

from kubemini.client.leader_election import LEASE, LeaderElector

FAST = {"lease_duration_seconds": 1, "renew_deadline_seconds": 0.6, "retry_period_seconds": 0.1}


class CriticalSection:
    """Leader work that records every interval it ran and any overlap between leaders."""

    def __init__(self) -> None:
        self.active: set[str] = set()
        self.overlaps: list[set[str]] = []
        self.intervals: dict[str, list[float]] = {}

    def work(self, identity: str):
        async def lead() -> None:
            self.active.add(identity)
            if len(self.active) > 1:
                self.overlaps.append(set(self.active))
            self.intervals[identity] = [time.monotonic()]
            try:
                await asyncio.Event().wait()
            finally:
                self.active.discard(identity)
                self.intervals[identity].append(time.monotonic())

        return lead


def lease_spec(fake_apiserver) -> dict:
    return fake_apiserver.objects[("leases", "kube-system", "sched")]["spec"]


def elector(fake_apiserver, identity: str, **timing) -> LeaderElector:
    client = fake_apiserver.client(identity)
    return LeaderElector(client, namespace="kube-system", name="sched", identity=identity, **(timing or FAST))


async def test_one_leader_and_takeover_only_after_the_partitioned_leader_stopped(fake_apiserver, wait_until):
    section = CriticalSection()
    electors = {name: elector(fake_apiserver, name) for name in ("a", "b")}
    stopped: list[str] = []
    runs = {
        name: asyncio.create_task(e.run(section.work(name), lambda name=name: stopped.append(name)))
        for name, e in electors.items()
    }
    await wait_until(lambda: len(section.active) == 1, what="a leader")
    await asyncio.sleep(0.5)  # several renew rounds: the standby must stay standby
    assert len(section.active) == 1 and not section.overlaps
    leader = next(iter(section.active))
    standby = "b" if leader == "a" else "a"
    assert electors[leader].is_leader and not electors[standby].is_leader
    assert lease_spec(fake_apiserver)["holderIdentity"] == leader
    assert lease_spec(fake_apiserver)["leaseTransitions"] == 0

    fake_apiserver.partitioned.add(leader)
    await wait_until(lambda: standby in section.active, what="the standby to take over", timeout=5)
    await asyncio.wait_for(runs[leader], 2)  # the partitioned leader's run() returns: leadership lost
    assert stopped == [leader]
    assert not section.overlaps, f"two leaders acted at once: {section.overlaps}"
    old_end, new_start = section.intervals[leader][1], section.intervals[standby][0]
    assert old_end < new_start
    assert lease_spec(fake_apiserver)["holderIdentity"] == standby
    assert lease_spec(fake_apiserver)["leaseTransitions"] == 1
    runs[standby].cancel()
    await asyncio.gather(runs[standby], return_exceptions=True)


async def test_leader_stops_work_within_the_renew_deadline(fake_apiserver, wait_until):
    section = CriticalSection()
    only = elector(fake_apiserver, "a")
    run = asyncio.create_task(only.run(section.work("a")))
    await wait_until(lambda: "a" in section.active, what="leadership")
    fake_apiserver.down = True
    cut = time.monotonic()
    await asyncio.wait_for(run, 3)
    stopped_after = section.intervals["a"][1] - cut
    assert stopped_after < FAST["renew_deadline_seconds"] + 0.05, f"work ran {stopped_after:.2f}s after the cut"
    assert stopped_after < FAST["lease_duration_seconds"]
    assert not only.is_leader


async def test_clean_shutdown_releases_so_the_standby_leads_at_once(fake_apiserver, wait_until):
    section = CriticalSection()
    slow = {"lease_duration_seconds": 10, "renew_deadline_seconds": 6, "retry_period_seconds": 0.1}
    first = asyncio.create_task(elector(fake_apiserver, "a", **slow).run(section.work("a")))
    await wait_until(lambda: "a" in section.active, what="a to lead")
    second = asyncio.create_task(elector(fake_apiserver, "b", **slow).run(section.work("b")))
    await asyncio.sleep(0.3)
    assert section.active == {"a"}
    first.cancel()
    released = time.monotonic()
    await asyncio.gather(first, return_exceptions=True)
    assert lease_spec(fake_apiserver)["holderIdentity"] in ("", "b")
    await wait_until(lambda: "b" in section.active, what="b to lead after the release", timeout=2)
    assert time.monotonic() - released < 1.0, "a released lease must not wait out its 10 s duration"
    assert not section.overlaps
    second.cancel()
    await asyncio.gather(second, return_exceptions=True)


async def test_work_that_ends_releases_the_lease(fake_apiserver):
    stopped = []

    async def short_work() -> None:
        await asyncio.sleep(0.05)

    await asyncio.wait_for(elector(fake_apiserver, "a").run(short_work, lambda: stopped.append(True)), 3)
    assert stopped == [True]
    spec = lease_spec(fake_apiserver)
    assert spec["holderIdentity"] == "" and spec["leaseDurationSeconds"] == 1


async def test_work_that_fails_is_raised_after_release(fake_apiserver):
    async def failing_work() -> None:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await asyncio.wait_for(elector(fake_apiserver, "a").run(failing_work), 3)
    assert lease_spec(fake_apiserver)["holderIdentity"] == ""


def test_timing_must_leave_room_for_the_renew_deadline(fake_apiserver):
    with pytest.raises(ValueError):
        elector(fake_apiserver, "a", lease_duration_seconds=5, renew_deadline_seconds=5, retry_period_seconds=1)


async def test_a_leader_renews_with_one_put_per_round_and_reads_the_lease_after_a_conflict(fake_apiserver, wait_until):
    section = CriticalSection()
    leader = elector(fake_apiserver, "a")
    run = asyncio.create_task(leader.run(section.work("a")))
    try:
        await wait_until(lambda: leader.is_leader, what="a leader")
        gets, puts = fake_apiserver.count("GET", "leases"), fake_apiserver.count("PUT", "leases")
        await wait_until(lambda: fake_apiserver.count("PUT", "leases") >= puts + 3, what="three renewals")
        assert fake_apiserver.count("GET", "leases") == gets, "a leader renews from the lease it last wrote"

        # Someone else writes the lease (same holder): the next optimistic PUT is a 409, then GET + PUT.
        fake_apiserver.put(LEASE, {**fake_apiserver.objects[("leases", "kube-system", "sched")]})
        await wait_until(lambda: fake_apiserver.count("GET", "leases") > gets, what="a GET after the conflict")
        renewed = fake_apiserver.count("PUT", "leases")
        await wait_until(lambda: fake_apiserver.count("PUT", "leases") > renewed + 1, what="renewals after it")
        assert leader.is_leader and section.active == {"a"}
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
