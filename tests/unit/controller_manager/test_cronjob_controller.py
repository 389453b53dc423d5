"""CronJob controller decisions with a recording fake client: a stale store never starts a Job."""

from __future__ import annotations

from datetime import UTC, datetime

from controller_manager.cronjob.controller import CronJobController
from kubemini.api.registry import by_kind
from kubemini.client.controller import Result
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

CRONJOB = by_kind("CronJob")
NOW = datetime(2026, 1, 1, 0, 2, 1, tzinfo=UTC)


def forbid_cronjob(resource_version: str, active: list[dict]) -> dict:
    status = {"lastScheduleTime": "2026-01-01T00:01:00Z", **({"active": active} if active else {})}
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {
            "name": "c",
            "namespace": "default",
            "uid": "uid-c",
            "resourceVersion": resource_version,
            "creationTimestamp": "2026-01-01T00:00:00Z",
        },
        "spec": {
            "schedule": "*/1 * * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "c", "image": "i"}]}}}},
        },
        "status": status,
    }


async def test_forbid_decides_on_the_stored_cronjob_not_on_a_store_behind_its_own_status_write():
    client = FakeClient()
    controller = CronJobController(client, shared_informers(client), now=lambda: NOW)  # type: ignore[arg-type]
    first = {"kind": "Job", "apiVersion": "batch/v1", "namespace": "default", "name": "c-29464801", "uid": "uid-j"}
    client.put(CRONJOB, forbid_cronjob("5", [first]))  # what our last status write stored
    client.put(by_kind("Job"), {"metadata": {"name": "c-29464801", "namespace": "default", "uid": "uid-j"}})
    fill(controller.cronjobs, forbid_cronjob("4", []))  # the store has not seen that write yet
    assert await controller.reconcile("default/c") == Result(requeue=True)
    assert client.of("create") == [], "no second run beside the one just made"
    fill(controller.cronjobs, forbid_cronjob("5", [first]))
    outcome = await controller.reconcile("default/c")
    assert outcome is not None and outcome.requeue_after and client.of("create") == []
