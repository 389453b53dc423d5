"""EndpointSlice and mirroring controllers in the controller-manager, pods on hollow nodes.

A ReplicaSet's pods behind a Service become slices of at most 100 that split when it grows and
merge when it shrinks; hand-made Endpoints of a selectorless Service are mirrored;
`kubectl describe service` (which reads slices) lists the endpoints.
"""

from __future__ import annotations

from tests.integration.controller_manager.cluster import replicaset

SLICE_TIMEOUT_SECONDS = 60.0


def slices_path(namespace: str) -> str:
    return f"/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices"


def slices_of(api, namespace: str, service: str) -> list[dict]:
    return api.items(slices_path(namespace), labelSelector=f"kubernetes.io/service-name={service}")


def web_service(name: str = "web", **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": {"tier": "front"}},
        "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}], **spec},
    }


def ready_counts(slices: list[dict]) -> list[int]:
    return sorted(sum(1 for e in s.get("endpoints") or [] if e["conditions"].get("ready")) for s in slices)


def test_slices_split_at_100_and_merge_as_the_pods_come_and_go(api, namespace):
    service = api.create(f"/api/v1/namespaces/{namespace}/services", web_service(selector={"app": "web"}))
    rs_path = f"/apis/apps/v1/namespaces/{namespace}/replicasets"
    api.create(rs_path, replicaset("web", replicas=120))
    slices = api.wait_for(
        lambda: (found := slices_of(api, namespace, "web")) and ready_counts(found) == [20, 100] and found,
        what="120 ready endpoints in slices of 100 and 20",
        timeout=SLICE_TIMEOUT_SECONDS,
        seen=lambda: ready_counts(slices_of(api, namespace, "web")),
    )
    first = slices[0]
    assert first["addressType"] == "IPv4" and first["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]
    assert first["metadata"]["labels"] == {
        "tier": "front",
        "kubernetes.io/service-name": "web",
        "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
    }
    [owner] = first["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["uid"]) == ("Service", "web", service["metadata"]["uid"])
    endpoint = first["endpoints"][0]
    assert endpoint["targetRef"]["kind"] == "Pod" and endpoint["nodeName"].startswith("hollow-cm-")
    assert endpoint["conditions"] == {"ready": True, "serving": True, "terminating": False}
    # Shrinking to 30: the 30 that stay fit in one slice, so the other slice is merged away.
    api.merge_patch(f"{rs_path}/web/scale", {"spec": {"replicas": 30}})
    api.wait_for(
        lambda: ready_counts(slices_of(api, namespace, "web")) == [30],
        what="one slice of 30",
        timeout=SLICE_TIMEOUT_SECONDS,
        seen=lambda: ready_counts(slices_of(api, namespace, "web")),
    )
    api.merge_patch(f"{rs_path}/web/scale", {"spec": {"replicas": 0}})
    [placeholder] = api.wait_for(
        lambda: (found := slices_of(api, namespace, "web")) and not found[0].get("endpoints") and found,
        what="the placeholder slice",
        timeout=SLICE_TIMEOUT_SECONDS,
        seen=lambda: ready_counts(slices_of(api, namespace, "web")),
    )
    assert "ports" not in placeholder or placeholder["ports"] is None


def test_hand_made_endpoints_are_mirrored_and_kubectl_describe_lists_them(api, namespace, kubectl):
    api.create(f"/api/v1/namespaces/{namespace}/services", web_service("db"))
    endpoints = {
        "apiVersion": "v1",
        "kind": "Endpoints",
        "metadata": {"name": "db", "labels": {"role": "primary"}},
        "subsets": [
            {
                "addresses": [{"ip": "10.1.2.3"}],
                "notReadyAddresses": [{"ip": "10.1.2.4"}],
                "ports": [{"name": "http", "port": 5432}],
            }
        ],
    }
    created = api.create(f"/api/v1/namespaces/{namespace}/endpoints", endpoints)
    [mirrored] = api.wait_for(
        lambda: slices_of(api, namespace, "db"), what="the mirrored slice", timeout=SLICE_TIMEOUT_SECONDS
    )
    assert mirrored["metadata"]["labels"] == {
        "role": "primary",
        "kubernetes.io/service-name": "db",
        "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io",
    }
    assert mirrored["metadata"]["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
    assert [(e["addresses"], e["conditions"]) for e in mirrored["endpoints"]] == [
        (["10.1.2.3"], {"ready": True}),
        (["10.1.2.4"], {"ready": False}),
    ]
    described = kubectl.run("describe", "service", "db", "-n", namespace).stdout
    assert "Endpoints:" in described and "10.1.2.3:5432" in described, described
    # The Service gains a selector: its Endpoints are no longer hand-made, the mirror goes.
    api.merge_patch(f"/api/v1/namespaces/{namespace}/services/db", {"spec": {"selector": {"app": "none"}}})
    api.wait_for(
        lambda: all(
            s["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"]
            != "endpointslicemirroring-controller.k8s.io"
            for s in slices_of(api, namespace, "db")
        ),
        what="the mirrored slice removed",
        timeout=SLICE_TIMEOUT_SECONDS,
    )
