"""An informer on a real apiserver that is killed, misses changes, and comes back compacted.

A second apiserver replica on the same etcd keeps writing while the informer's
apiserver is dead; etcd is compacted before it returns, so the informer's
resourceVersion is gone and it must relist. Its handlers must end up believing
exactly what a fresh list says, having seen every deletion and no duplicate add.
"""

from __future__ import annotations

import asyncio
import contextlib
import random

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.informer import Informer
from kubemini.client.store import object_key
from tests.integration.client.conftest import create_namespace, wait_for
from tests.support.processes import ApiServer

CONFIGMAP = by_kind("ConfigMap")


class HandlerView:
    """What the handlers were told, replayed into a key → resourceVersion map."""

    def __init__(self) -> None:
        self.view: dict[str, str] = {}
        self.deleted: set[str] = set()
        self.violations: list[str] = []
        self.adds = 0

    def on_add(self, obj: dict) -> None:
        key = object_key(obj)
        self.adds += 1
        if key in self.view:
            self.violations.append(f"add for {key}, already known at rv {self.view[key]}")
        self.view[key] = obj["metadata"]["resourceVersion"]

    def on_update(self, old: dict, new: dict) -> None:
        key = object_key(new)
        if key not in self.view:
            self.violations.append(f"update for unknown {key}")
        if old["metadata"]["resourceVersion"] == new["metadata"]["resourceVersion"]:
            self.violations.append(f"update for {key} with unchanged rv")
        self.view[key] = new["metadata"]["resourceVersion"]

    def on_delete(self, obj: dict) -> None:
        key = object_key(obj)
        if self.view.pop(key, None) is None:
            self.violations.append(f"delete for unknown {key}")
        self.deleted.add(key)


def configmap(name: str, value: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": {"v": value}}


async def churn(writer: ApiClient, namespace: str, stop: asyncio.Event, rng: random.Random) -> None:
    """Random creates, updates and deletes until told to stop."""
    serial = 0
    while not stop.is_set():
        items = (await writer.list(CONFIGMAP, namespace=namespace))["items"]
        action = rng.choice(["create", "update", "update", "delete"]) if items else "create"
        with contextlib.suppress(NotFound, Conflict):
            if action == "create":
                serial += 1
                await writer.create(CONFIGMAP, configmap(f"churn-{serial}", "0"), namespace=namespace)
            elif action == "update":
                target = rng.choice(items)
                target["data"] = {"v": str(rng.random())}
                await writer.update(CONFIGMAP, target)
            else:
                await writer.delete(CONFIGMAP, rng.choice(items)["metadata"]["name"], namespace=namespace)
        await asyncio.sleep(0.01)


async def fresh_view(writer: ApiClient, namespace: str) -> dict[str, str]:
    listing = await writer.list_all(CONFIGMAP, namespace=namespace)
    return {object_key(o): o["metadata"]["resourceVersion"] for o in listing["items"]}


async def test_informer_survives_apiserver_kill_restart_and_compaction(own_etcd, own_apiserver, tmp_path):
    replica = ApiServer(own_etcd.url, tmp_path / "replica.log")
    await asyncio.to_thread(replica.start)
    try:
        async with ApiClient(own_apiserver.url) as reader, ApiClient(replica.url) as writer:
            namespace = await create_namespace(writer)
            for i in range(20):
                await writer.create(CONFIGMAP, configmap(f"cm-{i}", "0"), namespace=namespace)
            informer = Informer(reader, CONFIGMAP, namespace=namespace, page_size=7)
            handlers = HandlerView()
            informer.add_event_handler(
                on_add=handlers.on_add, on_update=handlers.on_update, on_delete=handlers.on_delete
            )
            informer.start()
            try:
                assert await informer.wait_for_sync(timeout=20)
                assert handlers.view == await fresh_view(writer, namespace)

                stop = asyncio.Event()
                churner = asyncio.create_task(churn(writer, namespace, stop, random.Random(7)))
                await asyncio.sleep(0.5)
                await asyncio.to_thread(own_apiserver.kill)
                for name in ("cm-1", "cm-2"):
                    await writer.delete(CONFIGMAP, name, namespace=namespace)
                changed = await writer.get(CONFIGMAP, "cm-3", namespace=namespace)
                changed["data"] = {"v": "while-down"}
                await writer.update(CONFIGMAP, changed)
                await writer.create(CONFIGMAP, configmap("born-while-down", "1"), namespace=namespace)
                await asyncio.sleep(0.5)
                stop.set()
                await churner
                views_before_restart = dict(handlers.view)
                await asyncio.to_thread(own_etcd.compact)
                adds_before_restart = handlers.adds
                await asyncio.to_thread(own_apiserver.start)

                async def consistent() -> bool:
                    truth = await fresh_view(writer, namespace)
                    cached = {object_key(o): o["metadata"]["resourceVersion"] for o in informer.list()}
                    return truth == handlers.view == cached

                await wait_for(
                    consistent,
                    what="store and handler view to equal a fresh list",
                    timeout=45,
                    describe=lambda: f"relists={informer.list_count} violations={handlers.violations}",
                )
                assert informer.list_count >= 2, "a compacted resourceVersion must have forced a relist"
                assert handlers.violations == []
                assert {f"{namespace}/cm-1", f"{namespace}/cm-2"} <= handlers.deleted
                vanished = set(views_before_restart) - set(handlers.view)
                assert vanished <= handlers.deleted, "every object gone while down must get on_delete"
                new_keys = set(handlers.view) - set(views_before_restart)
                assert handlers.adds - adds_before_restart == len(new_keys), "relist must not replay adds"
                assert (
                    handlers.view[f"{namespace}/cm-3"]
                    == (await writer.get(CONFIGMAP, "cm-3", namespace=namespace))["metadata"]["resourceVersion"]
                )

                # And it is live again: a new change arrives through the resumed watch.
                await writer.create(CONFIGMAP, configmap("after", "1"), namespace=namespace)
                await wait_for(lambda: f"{namespace}/after" in handlers.view, what="a post-restart add")
            finally:
                await informer.stop()
    finally:
        await asyncio.to_thread(replica.stop)
