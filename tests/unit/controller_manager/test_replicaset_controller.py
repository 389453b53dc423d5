"""ReplicaSet sync with a recording fake client: batches, expectations, deletion order, status."""

from __future__ import annotations

from controller_manager.replicaset import ReplicaSetController
from kubemini.api import timestamps
from tests.unit.controller_manager.fakes import FakeClient, fill, pod, replicaset, shared_informers


def make(client: FakeClient, *objects: dict, **kwargs) -> ReplicaSetController:
    controller = ReplicaSetController(client, shared_informers(client), **kwargs)  # type: ignore[arg-type]
    fill(controller.replicasets, *[o for o in objects if o["kind"] == "ReplicaSet"])
    fill(controller.pods, *[o for o in objects if o["kind"] == "Pod"])
    return controller


async def test_creates_missing_pods_from_the_template_with_generate_name():
    client = FakeClient()
    rs = replicaset("web", replicas=3)
    controller = make(client, rs)
    await controller.reconcile("default/web")
    creates = [body for body in client.bodies if body.get("kind") == "Pod"]
    assert len(creates) == 3
    for body in creates:
        assert body["metadata"]["generateName"] == "web-"
        assert body["metadata"]["labels"] == {"app": "web"}
        ref = body["metadata"]["ownerReferences"][0]
        assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("ReplicaSet", "web", "uid-web", True)
    status_patch = client.bodies[-1]["status"]
    assert status_patch["replicas"] == 0 and status_patch["observedGeneration"] == 1


async def test_a_lagging_cache_never_causes_over_creation():
    client = FakeClient()
    controller = make(client, replicaset("web", replicas=3))
    await controller.reconcile("default/web")
    assert len(client.of("create", "Pod")) == 3
    # The informer has not delivered our pods yet: a second sync must not create again.
    await controller.reconcile("default/web")
    await controller.reconcile("default/web")
    assert len(client.of("create", "Pod")) == 3
    created = [b for b in client.bodies if b.get("kind") == "Pod" and b["metadata"].get("uid")]
    for body in created[:2]:
        controller.pods.store.put(body)
        controller._pod_added(body)
    await controller.reconcile("default/web")
    assert len(client.of("create", "Pod")) == 3, "one creation still unobserved: wait"
    controller.pods.store.put(created[2])
    controller._pod_added(created[2])
    await controller.reconcile("default/web")
    assert len(client.of("create", "Pod")) == 3, "all observed and 3 present: nothing to do"


async def test_creation_batches_double_and_stop_at_the_first_failure():
    client = FakeClient()
    client.fail_creates_after = 4  # the 5th create is refused
    controller = make(client, replicaset("web", replicas=20))
    try:
        await controller.reconcile("default/web")
    except Exception as error:  # noqa: BLE001 - the refusal is re-raised for backoff
        assert "refused" in str(error)
    else:
        raise AssertionError("a failed create must fail the sync")
    # Batches 1, 2, 4: the third batch fails, so 7 calls and never the rest of the 20.
    assert len(client.of("create", "Pod")) == 7
    # The 4 that worked still await their ADDED events; the failed and never-made ones are written off.
    assert controller.expectations.pending("default/web") == (4, 0)
    status = next(b["status"] for b in reversed(client.bodies) if "status" in b)
    assert status["conditions"][0]["type"] == "ReplicaFailure"
    assert status["conditions"][0]["reason"] == "FailedCreate"


async def test_deletes_least_valuable_pods_first():
    client = FakeClient()
    rs = replicaset("web", replicas=2)
    labels = {"app": "web"}
    pods = [
        pod("old-ready", labels=labels, owner=rs, created="2026-01-01T00:00:00Z"),
        pod("new-ready", labels=labels, owner=rs, created="2026-01-01T00:05:00Z"),
        pod("not-ready", labels=labels, owner=rs, ready=False),
        pod("pending", labels=labels, owner=rs, phase="Pending", ready=False),
        pod("unscheduled", labels=labels, owner=rs, node=None, phase="Pending", ready=False),
    ]
    controller = make(client, rs, *pods)
    await controller.reconcile("default/web")
    assert [a[2] for a in client.of("delete", "Pod")] == ["default/unscheduled", "default/pending", "default/not-ready"]
    client.actions.clear()
    controller = make(FakeClient(), rs, *pods[:2])
    controller.replicasets.store.put({**rs, "spec": {**rs["spec"], "replicas": 1}})
    await controller.reconcile("default/web")
    assert [a[2] for a in controller.client.of("delete", "Pod")] == ["default/new-ready"]


async def test_adopts_orphans_and_releases_mismatches_then_counts_them():
    client = FakeClient()
    rs = replicaset("web", replicas=2)
    client.objects[("ReplicaSet", "default/web")] = rs  # the live GET before adopting finds it
    orphan = pod("orphan", labels={"app": "web"})
    stray = pod("stray", labels={"app": "other"}, owner=rs)
    mine = pod("mine", labels={"app": "web"}, owner=rs)
    controller = make(client, rs, orphan, stray, mine)
    await controller.reconcile("default/web")
    patched = {a[2] for a in client.of("patch", "Pod")}
    assert patched == {"default/orphan", "default/stray"}
    assert not client.of("create", "Pod"), "orphan adopted: 2 pods already"
    assert client.bodies[-1]["status"]["replicas"] == 2


async def test_ready_pods_become_available_after_min_ready_seconds():
    client = FakeClient()
    rs = replicaset("web", replicas=1, spec={"minReadySeconds": 3600})
    fresh = pod("p", labels={"app": "web"}, owner=rs, ready_since=timestamps.now())
    controller = make(client, rs, fresh)
    result = await controller.reconcile("default/web")
    status = client.bodies[-1]["status"]
    assert (status["readyReplicas"], status["availableReplicas"]) == (1, 0)
    assert result is not None and 3590 < result.requeue_after <= 3601
