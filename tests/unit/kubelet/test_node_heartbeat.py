"""Node registration and heartbeat: capacity from the runtime, NotReady without it, re-registration, Lease."""

from __future__ import annotations

from kubelet.node_heartbeat import NodeHeartbeat
from kubelet.node_status import memory_quantity
from kubelet.runtime import RuntimeUnavailable
from kubelet.runtime.fake import FakeRuntime
from kubemini.api.status import make_status
from kubemini.client.errors import AlreadyExists, NotFound
from tests.unit.kubelet.fakes import NODE, FakeApi, make_context


class NodeApi(FakeApi):
    def __init__(self, *, node_exists: bool = False, lease_exists: bool = True):
        super().__init__()
        self.created: list[dict] = []
        self.node_exists = node_exists
        self.lease_exists = lease_exists

    async def create(self, rt, obj, *, namespace=None):
        if rt.kind == "Node" and self.node_exists:
            raise AlreadyExists(make_status(409, "exists", reason="AlreadyExists"))
        self.created.append(obj)
        self.node_exists = self.node_exists or rt.kind == "Node"
        return {**obj, "metadata": {**obj["metadata"], "uid": f"{rt.kind}-uid"}}

    async def patch(self, rt, name, body, *, namespace=None, patch_type="merge", subresource=None):
        if (rt.kind == "Node" and not self.node_exists) or (rt.kind == "Lease" and not self.lease_exists):
            raise NotFound(make_status(404, "not found"))
        return await super().patch(rt, name, body, namespace=namespace, subresource=subresource)


class BrokenRuntime(FakeRuntime):
    async def node_resources(self):
        raise RuntimeUnavailable("cannot reach the Docker engine: connection refused")


def ready(status: dict) -> dict:
    return next(c for c in status["conditions"] if c["type"] == "Ready")


async def test_registers_a_ready_node_with_capacity_addresses_and_endpoint():
    api = NodeApi()
    heartbeat = NodeHeartbeat(make_context(api=api, port=10255))
    await heartbeat.register()
    node = api.created[0]
    status = node["status"]
    assert node["metadata"]["name"] == NODE and node["spec"] == {}
    assert status["capacity"] == {"cpu": "4", "memory": "16Gi", "ephemeral-storage": "100Gi", "pods": "110"}
    assert status["addresses"] == [
        {"type": "InternalIP", "address": "127.0.0.1"},
        {"type": "Hostname", "address": NODE},
    ]
    assert status["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10255}}
    assert status["nodeInfo"]["kubeletVersion"] == "v1.35.0-kubemini"
    assert ready(status)["status"] == "True" and ready(status)["reason"] == "KubeletReady"
    assert heartbeat.node_uid == "Node-uid"


async def test_runtime_down_means_not_ready_but_still_heartbeating():
    api = NodeApi(node_exists=True)
    heartbeat = NodeHeartbeat(make_context(api=api, runtime=BrokenRuntime()))
    await heartbeat.register()
    status = api.patches[-1][2]["status"]
    assert ready(status)["status"] == "False"
    assert "container runtime is down" in ready(status)["message"]
    assert heartbeat.ready is False


async def test_existing_node_keeps_its_spec_and_a_deleted_node_is_registered_again():
    api = NodeApi(node_exists=True)
    heartbeat = NodeHeartbeat(make_context(api=api))
    await heartbeat.register()
    assert api.created == [], "an existing Node is patched (labels, status), never replaced"
    api.node_exists = False
    await heartbeat.post_status()
    assert [obj["kind"] for obj in api.created] == ["Node"]


async def test_lease_is_created_owned_by_the_node_then_renewed():
    api = NodeApi(lease_exists=False)
    heartbeat = NodeHeartbeat(make_context(api=api))
    await heartbeat.register()
    await heartbeat.renew_lease()
    lease = api.created[-1]
    assert lease["metadata"]["namespace"] == "kube-node-lease" and lease["spec"]["holderIdentity"] == NODE
    assert lease["metadata"]["ownerReferences"][0]["uid"] == "Node-uid"
    api.lease_exists = True
    await heartbeat.renew_lease()
    kind, name, body, _ = api.patches[-1]
    assert (kind, name) == ("Lease", NODE) and body["spec"]["renewTime"].endswith("Z")


def test_memory_quantities_are_readable():
    assert [memory_quantity(v) for v in (16 * 2**30, 512 * 2**20, 1536 * 1024 + 5)] == ["16Gi", "512Mi", "1536Ki"]


async def test_not_ready_while_the_pod_network_waits_then_ready():
    api = NodeApi()
    ctx = make_context(api=api)
    ctx.network_waiting = "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady"
    heartbeat = NodeHeartbeat(ctx)
    await heartbeat.register()
    condition = ready(api.created[0]["status"])
    assert (condition["status"], condition["reason"]) == ("False", "KubeletNotReady")
    assert condition["message"].startswith("container runtime network not ready")
    ctx.network_waiting = ""
    await heartbeat.post_status()
    assert heartbeat.ready
