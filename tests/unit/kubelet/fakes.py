"""Fakes for kubelet unit tests: an API client that records writes, an event recorder, pods.

The sync under test talks to `FakeApi` exactly as it talks to `ApiClient`
(`patch`, `delete`, `get`, `create`), so tests assert the API actions it takes.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from kubelet.node_context import KubeletSettings, NodeContext
from kubelet.runtime.fake import FakeRuntime
from kubemini.api.status import make_status
from kubemini.client.errors import NotFound

NODE = "node-a"


class FakeApi:
    def __init__(self, objects: dict[tuple[str, str, str], dict] | None = None):
        self.objects = objects or {}
        self.patches: list[tuple[str, str, dict, str | None]] = []
        self.deletes: list[dict[str, Any]] = []

    async def patch(self, rt, name, body, *, namespace=None, patch_type="merge", subresource=None):
        self.patches.append((rt.kind, name, copy.deepcopy(body), subresource))
        return {"metadata": {"name": name, "uid": "node-uid"}}

    async def delete(self, rt, name, *, namespace=None, grace_period_seconds=None, preconditions=None, **_):
        self.deletes.append(
            {"kind": rt.kind, "name": name, "namespace": namespace, "grace": grace_period_seconds, "pre": preconditions}
        )
        return {}

    async def get(self, rt, name, *, namespace=None):
        found = self.objects.get((rt.kind, namespace or "", name))
        if found is None:
            raise NotFound(make_status(404, f"{rt.plural} {name!r} not found"))
        return copy.deepcopy(found)

    async def create(self, rt, obj, *, namespace=None):
        return obj

    def status_patches(self) -> list[dict]:
        return [body["status"] for kind, _, body, sub in self.patches if kind == "Pod" and sub == "status"]


class FakeRecorder:
    def __init__(self):
        self.events: list[tuple[str, str, str]] = []

    async def record(self, obj, type_, reason, message):
        self.events.append((type_, reason, message))

    def reasons(self) -> list[str]:
        return [reason for _, reason, _ in self.events]


def make_context(*, api: FakeApi | None = None, runtime: FakeRuntime | None = None, **settings) -> NodeContext:
    return NodeContext(
        NODE,
        api or FakeApi(),  # type: ignore[arg-type]
        runtime or FakeRuntime(),
        KubeletSettings(**settings),
        FakeRecorder(),  # type: ignore[arg-type]
    )


def make_pod(
    name: str = "web",
    *,
    containers: list[dict] | None = None,
    init_containers: list[dict] | None = None,
    restart_policy: str = "Always",
    **spec: Any,
) -> dict:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4()), "resourceVersion": "1"},
        "spec": {
            "nodeName": NODE,
            "restartPolicy": restart_policy,
            "terminationGracePeriodSeconds": 30,
            "containers": containers or [{"name": "app", "image": "kubemini/busybox:1.35"}],
            **spec,
        },
        "status": {"phase": "Pending", "qosClass": "BestEffort"},
    }
    if init_containers:
        pod["spec"]["initContainers"] = init_containers
    return pod
