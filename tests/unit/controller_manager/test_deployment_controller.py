"""Deployment sync with a recording fake client, rounds simulated: bounds, revisions, proportional scaling."""

from __future__ import annotations

import copy

from controller_manager.deployment import DeploymentController
from controller_manager.deployment_revisions import HASH_LABEL, template_hash
from tests.unit.controller_manager.fakes import FakeClient, fill, shared_informers

REVISION = "deployment.kubernetes.io/revision"


def deployment(*, replicas: int, image: str, surge, unavailable, generation: int = 2) -> dict:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "web",
            "namespace": "default",
            "uid": "uid-web",
            "generation": generation,
            "resourceVersion": "1",
            "annotations": {REVISION: "1"},
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "c", "image": image}]},
            },
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
            "progressDeadlineSeconds": 600,
            "revisionHistoryLimit": 10,
        },
        "status": {},
    }


def owned_rs(d: dict, *, image: str, replicas: int, revision: str, max_replicas: int, created: str) -> dict:
    template = copy.deepcopy(d["spec"]["template"])
    template["spec"]["containers"][0]["image"] = image
    hash_value = template_hash(template)
    template["metadata"]["labels"][HASH_LABEL] = hash_value
    labels = dict(template["metadata"]["labels"])
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"web-{hash_value}",
            "namespace": "default",
            "uid": f"uid-{hash_value}",
            "labels": labels,
            "generation": 1,
            "resourceVersion": "1",
            "creationTimestamp": created,
            "annotations": {
                REVISION: revision,
                "deployment.kubernetes.io/desired-replicas": str(d["spec"]["replicas"]),
                "deployment.kubernetes.io/max-replicas": str(max_replicas),
            },
            "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-web", "controller": True}
            ],
        },
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
        "status": {
            "replicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "observedGeneration": 1,
        },
    }


def make(client: FakeClient, d: dict, *replicasets: dict) -> DeploymentController:
    client.objects[("Deployment", "default/web")] = copy.deepcopy(d)
    for rs in replicasets:
        client.objects[("ReplicaSet", f"default/{rs['metadata']['name']}")] = copy.deepcopy(rs)
    controller = DeploymentController(client, shared_informers(client))  # type: ignore[arg-type]
    fill(controller.deployments, d)
    fill(controller.replicasets, *replicasets)
    return controller


def replicasets_of(client: FakeClient) -> list[dict]:
    return [obj for (kind, _), obj in client.objects.items() if kind == "ReplicaSet"]


def advance(controller: DeploymentController, client: FakeClient) -> None:
    """One round of the world: every ReplicaSet has its pods at once; they turn available a round later."""
    for rs in replicasets_of(client):
        spec = rs["spec"]["replicas"]
        status = rs.setdefault("status", {})
        before = controller.replicasets.get(f"default/{rs['metadata']['name']}")
        settled = before is not None and before["spec"]["replicas"] == spec
        status["availableReplicas"] = spec if settled else min(status.get("availableReplicas", 0), spec)
        status["replicas"] = status["readyReplicas"] = spec
        status["observedGeneration"] = rs["metadata"].get("generation", 1)
        controller.replicasets.store.put(copy.deepcopy(rs))
    controller.deployments.store.put(copy.deepcopy(client.objects[("Deployment", "default/web")]))


async def test_rolling_update_rounds_stay_within_surge_and_availability():
    client = FakeClient()
    d = deployment(replicas=10, image="i:2", surge=2, unavailable=0)
    old = owned_rs(d, image="i:1", replicas=10, revision="1", max_replicas=12, created="2026-01-01T00:00:00Z")
    controller = make(client, d, old)
    for _ in range(40):
        await controller.reconcile("default/web")
        pods = sum(rs["spec"]["replicas"] for rs in replicasets_of(client))
        available = sum(
            min((rs.get("status") or {}).get("availableReplicas", 0), rs["spec"]["replicas"])
            for rs in replicasets_of(client)
        )
        assert pods <= 12, [(rs["metadata"]["name"], rs["spec"]["replicas"]) for rs in replicasets_of(client)]
        assert available >= 10
        advance(controller, client)
        sizes = sorted(
            (rs["metadata"]["annotations"][REVISION], rs["spec"]["replicas"]) for rs in replicasets_of(client)
        )
        if (
            sizes == [("1", 0), ("2", 10)]
            and client.objects[("Deployment", "default/web")]["status"].get("availableReplicas") == 10
        ):
            break
    else:
        raise AssertionError(f"rollout did not finish: {sizes}")
    new = next(rs for rs in replicasets_of(client) if rs["metadata"]["annotations"][REVISION] == "2")
    assert new["metadata"]["name"] == f"web-{new['metadata']['labels'][HASH_LABEL]}"
    stored = client.objects[("Deployment", "default/web")]
    assert stored["metadata"]["annotations"][REVISION] == "2"
    progressing = next(c for c in stored["status"]["conditions"] if c["type"] == "Progressing")
    assert progressing["reason"] == "NewReplicaSetAvailable"


async def test_first_step_creates_the_new_replicaset_with_the_surge_only():
    client = FakeClient()
    d = deployment(replicas=10, image="i:2", surge="25%", unavailable="25%")
    old = owned_rs(d, image="i:1", replicas=10, revision="1", max_replicas=13, created="2026-01-01T00:00:00Z")
    controller = make(client, d, old)
    await controller.reconcile("default/web")
    created = next(b for b in client.bodies if b.get("kind") == "ReplicaSet")
    assert created["spec"]["replicas"] == 3  # 25% of 10 rounded up
    assert created["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "13"
    assert created["metadata"]["annotations"][REVISION] == "2"
    # maxUnavailable 25% of 10 rounds down to 2: the old ReplicaSet may drop to 8 at once.
    old_now = client.objects[("ReplicaSet", f"default/{old['metadata']['name']}")]
    assert old_now["spec"]["replicas"] in (10, 8)


async def test_scaling_mid_rollout_is_proportional():
    client = FakeClient()
    d = deployment(replicas=20, image="i:2", surge="25%", unavailable="25%", generation=3)
    old = owned_rs(d, image="i:1", replicas=8, revision="1", max_replicas=13, created="2026-01-01T00:00:00Z")
    new = owned_rs(d, image="i:2", replicas=5, revision="2", max_replicas=13, created="2026-01-01T00:01:00Z")
    for rs in (old, new):
        rs["metadata"]["annotations"]["deployment.kubernetes.io/desired-replicas"] = "10"
    controller = make(client, d, old, new)
    await controller.reconcile("default/web")
    sizes = {rs["metadata"]["annotations"][REVISION]: rs["spec"]["replicas"] for rs in replicasets_of(client)}
    # 25 allowed (20 + 5 surge); old 8*25/13 ≈ 15, new 5*25/13 ≈ 10.
    assert sizes == {"1": 15, "2": 10}


async def test_template_equal_to_an_old_replicaset_makes_it_current_with_a_new_revision():
    client = FakeClient()
    d = deployment(replicas=2, image="i:1", surge=1, unavailable=0)
    d["metadata"]["annotations"][REVISION] = "2"
    v1 = owned_rs(d, image="i:1", replicas=0, revision="1", max_replicas=3, created="2026-01-01T00:00:00Z")
    v2 = owned_rs(d, image="i:2", replicas=2, revision="2", max_replicas=3, created="2026-01-01T00:01:00Z")
    controller = make(client, d, v1, v2)
    await controller.reconcile("default/web")
    promoted = client.objects[("ReplicaSet", f"default/{v1['metadata']['name']}")]
    assert promoted["metadata"]["annotations"][REVISION] == "3"
    assert promoted["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] == "1"
    assert not [b for b in client.bodies if b.get("kind") == "ReplicaSet" and "uid" not in b["metadata"]]
