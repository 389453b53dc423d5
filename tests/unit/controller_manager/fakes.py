"""Fakes for controller unit tests: an ApiClient that records actions, stores filled by hand.

    FakeClient.actions ──► [("create", "Pod", "default/web-1"), ("patch", "ReplicaSet", ...), ...]
    fill(informer, *objects) ──► the informer's store holds them (the informer never runs)

Controllers are exercised the way client-go's fake clientset tests them: set the
cache, call sync(key), assert the API actions — no apiserver, no timing.
"""

from __future__ import annotations

import copy
import itertools
import uuid
from typing import Any

from kubemini.api import timestamps
from kubemini.api.registry import ResourceType
from kubemini.api.status import make_status
from kubemini.client.errors import AlreadyExists, NotFound
from kubemini.client.informer import Informer
from kubemini.client.shared_informers import SharedInformers


def merge(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge(result.get(key), value)
    return result


class FakeClient:
    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self.actions: list[tuple[str, str, str]] = []
        self.bodies: list[dict[str, Any]] = []
        self.fail_creates_after: int | None = None
        self._counter = itertools.count(1)
        self._revision = itertools.count(100)

    def _key(self, rt: ResourceType, name: str, namespace: str | None) -> tuple[str, str]:
        return rt.kind, f"{namespace}/{name}" if rt.namespaced else name

    def put(self, rt: ResourceType, obj: dict[str, Any]) -> None:
        meta = obj["metadata"]
        self.objects[self._key(rt, meta["name"], meta.get("namespace"))] = copy.deepcopy(obj)

    def of(self, verb: str, kind: str | None = None) -> list[tuple[str, str, str]]:
        return [a for a in self.actions if a[0] == verb and (kind is None or a[1] == kind)]

    async def create(self, rt: ResourceType, obj: dict[str, Any], *, namespace: str | None = None) -> dict[str, Any]:
        created = copy.deepcopy(obj)
        meta = created.setdefault("metadata", {})
        meta.setdefault("namespace", namespace or "default")
        if not meta.get("name"):
            meta["name"] = f"{meta.get('generateName', 'x-')}{next(self._counter):05d}"
        key = self._key(rt, meta["name"], meta["namespace"])
        self.actions.append(("create", rt.kind, key[1]))
        self.bodies.append(created)
        if self.fail_creates_after is not None and len(self.of("create", rt.kind)) > self.fail_creates_after:
            raise NotFound(make_status(404, "refused by the test"))
        if key in self.objects:
            raise AlreadyExists(make_status(409, "exists", reason="AlreadyExists"))
        meta.update(uid=str(uuid.uuid4()), creationTimestamp=timestamps.now(), generation=1)
        meta["resourceVersion"] = str(next(self._revision))
        created.setdefault("apiVersion", rt.api_version)
        created.setdefault("kind", rt.kind)
        self.objects[key] = created
        return copy.deepcopy(created)

    async def get(self, rt: ResourceType, name: str, *, namespace: str | None = None) -> dict[str, Any]:
        self.actions.append(("get", rt.kind, self._key(rt, name, namespace)[1]))
        try:
            return copy.deepcopy(self.objects[self._key(rt, name, namespace)])
        except KeyError:
            raise NotFound(make_status(404, f"{name} not found")) from None

    async def update(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        meta = obj["metadata"]
        key = self._key(rt, meta["name"], meta.get("namespace"))
        self.actions.append(("update", rt.kind, key[1]))
        self.bodies.append(copy.deepcopy(obj))
        stored = copy.deepcopy(obj)
        stored["metadata"]["resourceVersion"] = str(next(self._revision))
        self.objects[key] = stored
        return copy.deepcopy(stored)

    async def update_status(self, rt: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
        return await self.update(rt, obj)

    async def patch(
        self,
        rt: ResourceType,
        name: str,
        body: Any,
        *,
        namespace: str | None = None,
        patch_type: str = "merge",
        subresource: str | None = None,
    ) -> dict[str, Any]:
        key = self._key(rt, name, namespace)
        verb = f"patch/{subresource}" if subresource else "patch"
        self.actions.append((verb, rt.kind, key[1]))
        self.bodies.append(copy.deepcopy(body))
        current = self.objects.get(key, {"metadata": {"name": name, "namespace": namespace}})
        patched = merge(current, body)
        patched["metadata"]["resourceVersion"] = str(next(self._revision))
        self.objects[key] = patched
        return copy.deepcopy(patched)

    async def delete(self, rt: ResourceType, name: str, *, namespace: str | None = None, **options: Any) -> dict:
        key = self._key(rt, name, namespace)
        self.actions.append(("delete", rt.kind, key[1]))
        self.bodies.append(dict(options))
        return self.objects.pop(key, {})


def shared_informers(client: FakeClient) -> SharedInformers:
    return SharedInformers(client)  # type: ignore[arg-type]


def fill(informer: Informer, *objects: dict[str, Any]) -> None:
    for obj in objects:
        informer.store.put(copy.deepcopy(obj))


def pod(
    name: str,
    *,
    labels: dict[str, str],
    owner: dict[str, Any] | None = None,
    node: str | None = "n1",
    ready: bool = True,
    phase: str = "Running",
    created: str = "2026-01-01T00:00:00Z",
    ready_since: str = "2026-01-01T00:00:10Z",
) -> dict[str, Any]:
    refs = []
    if owner is not None:
        refs = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
            }
        ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "labels": labels,
            "ownerReferences": refs,
            "creationTimestamp": created,
            "resourceVersion": "1",
        },
        "spec": {"nodeName": node, "containers": [{"name": "c", "image": "i:1"}]},
        "status": {
            "phase": phase,
            "conditions": [
                {"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": ready_since}
            ],
        },
    }


def replicaset(name: str, *, replicas: int, labels: dict[str, str] | None = None, **extra: Any) -> dict[str, Any]:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "default",
            "uid": f"uid-{name}",
            "generation": 1,
            "resourceVersion": "1",
            "labels": labels,
            "creationTimestamp": "2026-01-01T00:00:00Z",
            **extra.pop("metadata", {}),
        },
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "c", "image": "i:1"}]}},
            **extra.pop("spec", {}),
        },
        "status": extra.pop("status", {}),
    }
