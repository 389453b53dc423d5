"""The garbage collector learns custom kinds at run time: custom resources as owners and as dependents."""

from __future__ import annotations

import secrets

import pytest

from tests.support.custom_resources import CRDS_PATH, crontab, crontab_crd, wait_served


def owner_ref(obj: dict, **extra) -> dict:
    return {
        "apiVersion": obj["apiVersion"],
        "kind": obj["kind"],
        "name": obj["metadata"]["name"],
        "uid": obj["metadata"]["uid"],
        **extra,
    }


@pytest.fixture
def group(api):
    """A CRD created while the controller-manager already runs: the collector must learn it."""
    group = f"gc{secrets.token_hex(3)}.example.com"
    body = crontab_crd(group)
    api.create(CRDS_PATH, body)
    wait_served(api.http, body)
    yield group
    api.http.delete(f"{CRDS_PATH}/{body['metadata']['name']}")


def test_a_custom_resource_owns_a_configmap_and_a_pod(api, namespace, group):
    crs = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
    owner = api.create(crs, crontab("owner", group))
    ns = f"/api/v1/namespaces/{namespace}"
    api.create(f"{ns}/configmaps", {"metadata": {"name": "cm", "ownerReferences": [owner_ref(owner)]}})
    pod = {
        "metadata": {"name": "p", "ownerReferences": [owner_ref(owner, controller=True, blockOwnerDeletion=True)]},
        "spec": {"containers": [{"name": "c", "image": "kubemini/busybox:1.35"}], "terminationGracePeriodSeconds": 0},
    }
    api.create(f"{ns}/pods", pod)
    api.delete(f"{crs}/owner")
    api.wait_for(
        lambda: not api.items(f"{ns}/configmaps", fieldSelector="metadata.name=cm") and not api.items(f"{ns}/pods"),
        what="the ConfigMap and the Pod of the deleted CronTab gone",
        seen=lambda: [i["metadata"]["name"] for i in api.items(f"{ns}/configmaps") + api.items(f"{ns}/pods")],
    )


def test_a_custom_resource_is_collected_when_its_owner_goes(api, namespace, group):
    ns = f"/api/v1/namespaces/{namespace}"
    crs = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
    owner = api.create(f"{ns}/configmaps", {"metadata": {"name": "owner"}})
    dependent = crontab("dependent", group)
    dependent["metadata"]["ownerReferences"] = [owner_ref(owner)]
    api.create(crs, dependent)
    keeper = crontab("keeper", group)
    api.create(crs, keeper)
    api.delete(f"{ns}/configmaps/owner")
    api.wait_for(
        lambda: [i["metadata"]["name"] for i in api.items(crs)] == ["keeper"],
        what="only the CronTab without an owner left",
        seen=lambda: [i["metadata"]["name"] for i in api.items(crs)],
    )


def test_foreground_deletion_of_a_custom_resource_waits_for_its_dependents(api, namespace, group):
    ns = f"/api/v1/namespaces/{namespace}"
    crs = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
    owner = api.create(crs, crontab("fg", group))
    api.create(
        f"{ns}/configmaps",
        {"metadata": {"name": "child", "ownerReferences": [owner_ref(owner, blockOwnerDeletion=True)]}},
    )
    api.delete(f"{crs}/fg", propagationPolicy="Foreground")
    api.wait_for(
        lambda: api.get_or_none(f"{crs}/fg") is None and api.get_or_none(f"{ns}/configmaps/child") is None,
        what="the CronTab deleted after its ConfigMap",
        seen=lambda: (api.get_or_none(f"{crs}/fg") or {}).get("metadata"),
    )


def test_deleting_a_namespace_deletes_its_custom_resources(api, group):
    namespace = f"cm-{secrets.token_hex(3)}"
    api.create("/api/v1/namespaces", {"metadata": {"name": namespace}})
    crs = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
    api.create(crs, crontab("inside", group))
    api.delete(f"/api/v1/namespaces/{namespace}")
    api.wait_for(
        lambda: api.get_or_none(f"/api/v1/namespaces/{namespace}") is None,
        what="the namespace and its CronTab gone",
        seen=lambda: [i["metadata"]["name"] for i in api.items(crs)],
    )


def test_an_object_owned_by_a_custom_kind_learnt_later_is_judged_again(api, namespace):
    """Its owner's kind was unknown when the collector first saw it (a CRD created after the object,
    or learnt late): once the CRD is served, the missing owner makes it garbage."""
    group = f"gc{secrets.token_hex(3)}.example.com"
    ns = f"/api/v1/namespaces/{namespace}"
    ghost = {"apiVersion": f"{group}/v1", "kind": "CronTab", "name": "ghost", "uid": secrets.token_hex(16)}
    api.create(f"{ns}/configmaps", {"metadata": {"name": "orphaned-early", "ownerReferences": [ghost]}})
    # Seen by the collector after the ConfigMap above (one informer, in order): once this one is
    # collected, the first has been judged with its owner's kind unknown.
    gone = api.create(f"{ns}/configmaps", {"metadata": {"name": "gone-owner"}})
    api.delete(f"{ns}/configmaps/gone-owner")
    api.create(f"{ns}/configmaps", {"metadata": {"name": "probe", "ownerReferences": [owner_ref(gone)]}})
    api.wait_for(lambda: api.get_or_none(f"{ns}/configmaps/probe") is None, what="the probe collected")
    assert api.get_or_none(f"{ns}/configmaps/orphaned-early") is not None, "its owner's kind is not served yet"

    crd = crontab_crd(group)
    api.create(CRDS_PATH, crd)
    try:
        wait_served(api.http, crd)
        api.wait_for(
            lambda: api.get_or_none(f"{ns}/configmaps/orphaned-early") is None,
            what="the ConfigMap of a CronTab that does not exist collected once CronTabs are served",
        )
    finally:
        api.http.delete(f"{CRDS_PATH}/{crd['metadata']['name']}")
