"""Controller base: handlers enqueue keys, outcomes become queue calls, sync comes first."""

from __future__ import annotations

import asyncio

from kubemini.api.registry import by_kind
from kubemini.client.controller import (
    ERROR,
    REQUEUE,
    REQUEUE_AFTER,
    SUCCESS,
    TERMINAL,
    Controller,
    Result,
    TerminalError,
    controller_owner_key,
)
from kubemini.client.errors import Conflict
from kubemini.client.informer import Informer
from kubemini.client.shared_informers import SharedInformers

POD, RS = by_kind("Pod"), by_kind("ReplicaSet")


def owned_pod(name: str, owner: str) -> dict:
    refs = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": f"u-{owner}", "controller": True}]
    return {"metadata": {"name": name, "namespace": "default", "ownerReferences": refs}}


class RecordingMetrics:
    def __init__(self) -> None:
        self.tracked: list[str] = []
        self.observed: list[tuple[str, str, str]] = []

    def track(self, controller: Controller) -> None:
        self.tracked.append(controller.name)

    def observe(self, controller: str, outcome: str, seconds: float) -> None:
        assert seconds >= 0
        self.observed.append((controller, outcome))


class ScriptedController(Controller):
    name = "scripted"

    def __init__(self, api, outcomes: dict[str, list], **kwargs):
        super().__init__(**kwargs)
        self.rs = self.add_informer(Informer(api, RS))
        self.pods = self.add_informer(
            Informer(api, POD), key_for=lambda pod: controller_owner_key(pod, owner_kind="ReplicaSet")
        )
        self.outcomes = outcomes
        self.calls: list[str] = []
        self.synced_at_first_call: bool | None = None

    async def reconcile(self, key: str) -> Result | None:
        if self.synced_at_first_call is None:
            self.synced_at_first_call = self.rs.has_synced() and self.pods.has_synced()
        self.calls.append(key)
        script = self.outcomes.get(key) or [None]
        outcome = script.pop(0) if len(script) > 1 else script[0]
        if isinstance(outcome, Exception):
            raise outcome
        return outcome


def test_controller_owner_key():
    assert controller_owner_key(owned_pod("p", "web")) == "default/web"
    assert controller_owner_key(owned_pod("p", "web"), owner_kind="Deployment") is None
    not_controller = owned_pod("p", "web")
    not_controller["metadata"]["ownerReferences"][0]["controller"] = False
    assert controller_owner_key(not_controller) is None
    node_owned = {"metadata": {"name": "x", "ownerReferences": [{"kind": "Node", "name": "n1", "controller": True}]}}
    assert controller_owner_key(node_owned) == "n1"


async def test_events_map_to_owner_keys_and_reconcile_waits_for_sync(fake_apiserver, api, wait_until):
    fake_apiserver.put(RS, {"metadata": {"name": "web", "namespace": "default"}})
    fake_apiserver.put(POD, owned_pod("web-1", "web"))
    fake_apiserver.put(POD, {"metadata": {"name": "orphan", "namespace": "default"}})
    fake_apiserver.down = True  # informers cannot sync yet
    controller = ScriptedController(api, {}, workers=2)
    controller.enqueue("default/early")
    task = asyncio.create_task(controller.run())
    await asyncio.sleep(0.3)
    assert controller.calls == [], "no reconcile may run before every informer has synced"
    fake_apiserver.down = False
    await wait_until(lambda: "default/web" in controller.calls, what="owner reconcile", timeout=10)
    assert controller.synced_at_first_call is True
    assert "default/orphan" not in controller.calls and "default/web-1" not in controller.calls
    before = controller.calls.count("default/web")
    fake_apiserver.remove(POD, "web-1", "default")  # a child's deletion wakes its owner
    await wait_until(lambda: controller.calls.count("default/web") > before, what="owner requeue on delete")
    controller.stop()
    await asyncio.wait_for(task, 5)
    assert not controller.rs.running and not controller.pods.running


async def test_outcomes_become_queue_calls(fake_apiserver, api, wait_until):
    outcomes = {
        "default/flaky": [RuntimeError("boom"), Conflict({"code": 409, "reason": "Conflict"}), None],
        "default/bad": [TerminalError("spec is invalid")],
        "default/poll": [Result(requeue_after=0.05), Result(requeue_after=0.05), None],
        "default/again": [Result(requeue=True), None],
    }
    metrics = RecordingMetrics()
    controller = ScriptedController(api, outcomes, metrics=metrics)
    assert metrics.tracked == ["scripted"]
    task = asyncio.create_task(controller.run())
    for key in outcomes:
        controller.enqueue(key)
    await wait_until(lambda: controller.calls.count("default/flaky") == 3, what="two retries with backoff")
    await wait_until(lambda: controller.calls.count("default/poll") == 3, what="two timed requeues")
    await wait_until(lambda: controller.calls.count("default/again") == 2, what="requeue=True retry")
    assert controller.queue.num_requeues("default/flaky") == 0, "success must forget the backoff"
    await asyncio.sleep(0.2)
    assert controller.calls.count("default/bad") == 1, "a terminal error is never retried"
    assert controller.queue.num_requeues("default/bad") == 0
    assert controller.calls.count("default/poll") == 3
    # The outcome the queue acted on is the one the metrics saw, one observation per reconcile.
    by_outcome = sorted(outcome for _, outcome in metrics.observed)
    assert by_outcome == sorted(
        [ERROR, ERROR, SUCCESS, TERMINAL, REQUEUE_AFTER, REQUEUE_AFTER, SUCCESS, REQUEUE, SUCCESS]
    ), metrics.observed
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert not controller.rs.running


async def test_shared_informers_are_shared_and_outlive_a_controller(fake_apiserver, api, wait_until):
    fake_apiserver.put(RS, {"metadata": {"name": "web", "namespace": "default"}})
    factory = SharedInformers(api)
    assert factory.informer(RS) is factory.informer(RS)
    assert factory.informer(RS, namespace="x") is not factory.informer(RS)
    factory.start()
    assert await factory.wait_for_sync(timeout=5)

    class Watcher(Controller):
        def __init__(self):
            super().__init__()
            self.add_informer(factory.informer(RS))
            self.keys: list[str] = []

        async def reconcile(self, key: str) -> None:
            self.keys.append(key)

    first, second = Watcher(), Watcher()
    tasks = [asyncio.create_task(c.run()) for c in (first, second)]
    await wait_until(lambda: first.keys and second.keys, what="both controllers to see the replayed add")
    assert first.keys == second.keys == ["default/web"]
    # Two informers (all namespaces, namespace x), each one list + one watch, for two controllers.
    assert fake_apiserver.count("GET", "replicasets") == 4
    first.stop()
    await asyncio.wait_for(tasks[0], 5)
    assert factory.informer(RS).running, "a controller must not stop an informer it did not start"
    second.stop()
    await asyncio.wait_for(tasks[1], 5)
    await factory.stop()
