"""EndpointSlice packing (slices.py) and mirroring rules: split at 100, merge, ready flags, placeholder."""

from __future__ import annotations

import itertools

from controller_manager.endpoints.mirroring import mirrored_endpoints, should_mirror
from controller_manager.endpoints.slices import (
    CONTROLLER_NAME,
    MANAGED_BY_LABEL,
    SERVICE_NAME_LABEL,
    desired_endpoints,
    plan_slices,
    slice_labels,
)

SERVICE = {
    "metadata": {"name": "web", "namespace": "shop", "uid": "uid-web", "labels": {"tier": "front"}},
    "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
}


def pod(index: int, *, ready: bool = True, deleting: bool = False, port: int = 8080) -> dict:
    meta = {"name": f"web-{index}", "namespace": "shop", "uid": f"uid-{index}", "labels": {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    return {
        "metadata": meta,
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "ports": [{"name": "http", "containerPort": port}]}]},
        "status": {
            "phase": "Running",
            "podIP": f"10.0.{index // 250}.{index % 250 + 1}",
            "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
        },
    }


_names = itertools.count()


def apply(plan, existing: list[dict]) -> list[dict]:
    """What the API holds after the plan: creates named, updates replace, deletes remove."""
    by_name = {s["metadata"]["name"]: s for s in existing}
    for gone in plan.delete:
        del by_name[gone["metadata"]["name"]]
    for updated in plan.update:
        assert updated["metadata"]["name"] in by_name
        by_name[updated["metadata"]["name"]] = updated
    for body in plan.create:
        name = f"{body['metadata']['generateName']}{next(_names):05d}"
        by_name[name] = {**body, "metadata": {**body["metadata"], "name": name}}
    return list(by_name.values())


def reconcile(pods: list[dict], existing: list[dict]) -> tuple[object, list[dict]]:
    plan = plan_slices(SERVICE, desired_endpoints(SERVICE, pods), existing, labels=slice_labels(SERVICE))
    return plan, apply(plan, existing)


def endpoint_names(slices: list[dict]) -> list[str]:
    return sorted(e["targetRef"]["name"] for s in slices for e in s["endpoints"])


def test_250_endpoints_split_into_slices_of_100_and_merge_when_they_shrink():
    pods = [pod(i) for i in range(250)]
    plan, slices = reconcile(pods, [])
    assert sorted(len(s["endpoints"]) for s in plan.create) == [50, 100, 100] and not plan.update
    first = plan.create[0]
    assert first["metadata"]["labels"] == {
        "tier": "front",
        SERVICE_NAME_LABEL: "web",
        MANAGED_BY_LABEL: CONTROLLER_NAME,
    }
    assert first["metadata"]["ownerReferences"] == [
        {"apiVersion": "v1", "kind": "Service", "name": "web", "uid": "uid-web", "controller": True,
         "blockOwnerDeletion": True}
    ]  # fmt: skip
    assert first["addressType"] == "IPv4" and first["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert first["endpoints"][0]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    assert reconcile(pods, slices)[0].empty, "nothing changed: nothing written"
    # 120 pods go: 130 endpoints fit in 2 slices, so one slice is dissolved into the others.
    plan, slices = reconcile(pods[120:], slices)
    assert len(slices) == 2 and len(plan.delete) == 1 and not plan.create
    assert endpoint_names(slices) == sorted(p["metadata"]["name"] for p in pods[120:])
    assert all(len(s["endpoints"]) <= 100 for s in slices)
    # Growing again fills the room first, then splits into new slices.
    plan, slices = reconcile([pod(i) for i in range(400)], slices)
    assert sorted(len(s["endpoints"]) for s in slices) == [100, 100, 100, 100] and len(plan.create) == 2
    assert len(set(endpoint_names(slices))) == 400


def test_ready_flags_change_in_place_and_terminating_endpoints_stay_serving():
    pods = [pod(i) for i in range(150)]
    _, slices = reconcile(pods, [])
    pods[3] = pod(3, ready=False)
    pods[140] = pod(140, deleting=True)
    plan, slices = reconcile(pods, slices)
    assert len(plan.update) == 2 and not plan.create and not plan.delete, "each changed endpoint's own slice"
    conditions = {e["targetRef"]["name"]: e["conditions"] for s in slices for e in s["endpoints"]}
    assert conditions["web-3"] == {"ready": False, "serving": False, "terminating": False}
    assert conditions["web-140"] == {"ready": False, "serving": True, "terminating": True}
    assert conditions["web-4"] == {"ready": True, "serving": True, "terminating": False}


def test_pods_offering_different_ports_get_different_slices_and_no_pods_a_placeholder():
    plan, slices = reconcile([pod(1), pod(2, port=9090)], [])
    assert sorted(s["ports"][0]["port"] for s in plan.create) == [8080, 9090]
    plan, slices = reconcile([], slices)
    [placeholder] = slices
    assert placeholder["endpoints"] == [] and "ports" not in placeholder and len(plan.delete) == 1
    assert reconcile([], slices)[0].empty


def test_finished_and_ip_less_pods_are_left_out():
    done, pending = pod(1), pod(2)
    done["status"]["phase"] = "Succeeded"
    del pending["status"]["podIP"]
    _, slices = reconcile([done, pending, pod(3)], [])
    assert endpoint_names(slices) == ["web-3"]


def test_mirroring_takes_hand_made_endpoints_of_selectorless_services_only():
    endpoints = {
        "metadata": {"name": "db", "namespace": "shop", "uid": "uid-db"},
        "subsets": [
            {
                "addresses": [{"ip": "10.1.0.1"}, {"ip": "fd00::1"}],
                "notReadyAddresses": [{"ip": "10.1.0.2"}],
                "ports": [{"name": "pg", "port": 5432}],
            }
        ],
    }
    [(ports, members)] = mirrored_endpoints(endpoints).values()
    assert ports == [{"name": "pg", "port": 5432, "protocol": "TCP"}]
    assert [(e["addresses"], e["conditions"]) for e in members.values()] == [
        (["10.1.0.1"], {"ready": True}),
        (["10.1.0.2"], {"ready": False}),
    ], "IPv4 slices only; not-ready addresses mirrored as not ready"
    selectorless = {"metadata": {"name": "db"}, "spec": {"ports": [{"port": 5432}]}}
    assert should_mirror(endpoints, selectorless)
    assert not should_mirror(endpoints, {**selectorless, "spec": {"selector": {"app": "db"}}})
    assert not should_mirror(endpoints, None)
    skipped = {
        **endpoints,
        "metadata": {**endpoints["metadata"], "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
    }
    assert not should_mirror(skipped, selectorless)
