"""EtcdStore.unchanged_since against a real etcd: the proof that lets a cache behind etcd answer a list."""

from __future__ import annotations

from apiserver.storage.etcd_store import EtcdStore

PREFIX = "/registry/configmaps/ns/"


def _value(name: str) -> dict:
    return {"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": name, "namespace": "ns"}}


async def test_only_a_change_under_the_prefix_after_the_revision_breaks_the_proof(own_etcd):
    store = EtcdStore([(own_etcd.host, own_etcd.port)])
    try:
        await store.create(f"{PREFIX}a", _value("a"))
        held = (await store.create(f"{PREFIX}b", _value("b"))).mod_revision
        assert await store.unchanged_since(PREFIX, held, 2) == held
        # Writes elsewhere move etcd on; the prefix is still as it was.
        elsewhere = await store.create("/registry/secrets/ns/s", _value("s"))
        assert await store.unchanged_since(PREFIX, held, 2) == elsewhere.mod_revision
        assert await store.unchanged_since(PREFIX, held, 3) is None  # the cache counts another key
        # An update, a create and a delete under the prefix each break it.
        current = await store.get(f"{PREFIX}a")
        updated = await store.update(f"{PREFIX}a", _value("a"), expected_revision=current.mod_revision)
        assert await store.unchanged_since(PREFIX, held, 2) is None
        assert await store.unchanged_since(PREFIX, updated.mod_revision, 2) == updated.mod_revision
        made = await store.create(f"{PREFIX}c", _value("c"))
        assert await store.unchanged_since(PREFIX, updated.mod_revision, 2) is None
        deleted = await store.delete(f"{PREFIX}c", expected_revision=made.mod_revision)
        assert await store.unchanged_since(PREFIX, made.mod_revision, 3) is None
        assert await store.unchanged_since(PREFIX, deleted, 2) == deleted
    finally:
        await store.close()
