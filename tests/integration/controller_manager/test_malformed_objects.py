"""The garbage collector meets stored objects it cannot interpret, and goes on collecting the others.

Its own etcd and apiserver (malformed keys must not leak into other tests' lists): objects
with broken owner references and metadata are written straight into etcd, then a valid
owner is deleted and its dependent must still be collected.
"""

from __future__ import annotations

import asyncio

from tests.integration.controller_manager.cluster import Api, ControllerManager
from tests.support.raw_etcd import put_raw

MALFORMED = {
    "owner-references-string": {"ownerReferences": "x"},
    "owner-reference-without-uid": {"ownerReferences": [{"apiVersion": "v1", "kind": "Secret", "name": "s"}]},
    "owner-reference-number": {"ownerReferences": [5]},
    "labels-string": {
        "labels": "x",
        "ownerReferences": [{"apiVersion": "v1", "kind": "Secret", "name": "s", "uid": 7}],
    },
    "finalizers-string": {"finalizers": "x", "deletionTimestamp": "2026-01-01T00:00:00Z"},
}


async def _plant(etcd_url: str) -> None:
    for name, metadata in MALFORMED.items():
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default", **metadata}}
        await put_raw(etcd_url, f"/registry/configmaps/default/{name}", body)
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default", **metadata}}
        await put_raw(etcd_url, f"/registry/pods/default/{name}", {**pod, "spec": "x"})
    await put_raw(etcd_url, "/registry/configmaps/default/not-json", b"[[[")


def test_garbage_collector_collects_next_to_malformed_objects(own_etcd, own_apiserver, tmp_path):
    asyncio.run(_plant(own_etcd.url))
    manager = ControllerManager(own_apiserver.url, tmp_path / "controller-manager.log").start()
    api = Api(own_apiserver.url)
    try:
        ns = "/api/v1/namespaces/default"
        owner = api.create(f"{ns}/secrets", {"metadata": {"name": "owner"}, "stringData": {"k": "v"}})
        reference = {"apiVersion": "v1", "kind": "Secret", "name": "owner", "uid": owner["metadata"]["uid"]}
        api.create(f"{ns}/configmaps", {"metadata": {"name": "dependent", "ownerReferences": [reference]}})
        api.delete(f"{ns}/secrets/owner")
        api.wait_for(
            lambda: api.get_or_none(f"{ns}/configmaps/dependent") is None,
            what="the valid dependent collected",
            timeout=20,
        )
        assert manager.process.poll() is None, "the controller-manager must not crash on malformed objects"
    finally:
        api.close()
        manager.stop()
