"""The whole chain on a real apiserver: node IPAM sets each Node's pod CIDR, each node's pod-network
agent (as the kubelet runs it, with the node's own credentials) waits for it, publishes its VTEP
MAC, and programs VXLAN to the other node in its own namespace; pods ping across; when a Node is
deleted the other node's routes and entries to it go.
"""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from kubelet.pod_network.agent import PodNetworkAgent, PodNetworkSettings
from kubelet.pod_network.desired import VTEP_MAC_ANNOTATION, Route
from kubemini.client.api_client import ApiClient
from kubemini.pki.cluster_pki import kubelet_identity
from tests.integration.controller_manager.cluster import Api, ControllerManager
from tests.support.netns import Topology, ping, wait_for_ping

NODES = "/api/v1/nodes"
CLUSTER_CIDR = "10.244.0.0/23"
IPAM_FLAGS = ("--controllers", "nodeipam", "--allocate-node-cidrs", "--cluster-cidr", CLUSTER_CIDR)
DEADLINE_SECONDS = 20.0


@pytest.fixture
def own_api(own_apiserver):
    client = Api(own_apiserver.url)
    yield client
    client.close()


def registered(name: str, ip: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "status": {"addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}]},
    }


async def eventually(predicate, *, what: str):
    async with asyncio.timeout(DEADLINE_SECONDS):
        while not (value := predicate()):
            await asyncio.sleep(0.1)
    assert value, what
    return value


async def test_ipam_and_agents_make_a_vxlan_pod_network(own_apiserver, own_api, tmp_path):
    api = own_api
    topology = Topology()
    names = [f"pn-{topology.tag}-{index}" for index in range(2)]
    ips = ["172.31.0.2", "172.31.0.3"]
    for name, ip in zip(names, ips, strict=True):
        api.create(NODES, registered(name, ip))
    manager = ControllerManager(own_apiserver.url, tmp_path / "cm.log", extra_args=IPAM_FLAGS).start()
    clients: list[ApiClient] = []
    tasks: list[asyncio.Task] = []
    try:
        cidrs = [
            api.wait_for(lambda n=name: (api.get(f"{NODES}/{n}").get("spec") or {}).get("podCIDR"), what=f"{name} CIDR")
            for name in names
        ]
        assert sorted(cidrs) == ["10.244.0.0/24", "10.244.1.0/24"]
        topology.build(subnet=31, pod_cidrs=tuple(cidrs))
        a, b = topology.nodes
        agents = []
        for node in topology.nodes:
            client = ApiClient(own_apiserver.credentials(kubelet_identity(node.name)), user_agent="kubemini-kubelet")
            clients.append(client)
            settings = PodNetworkSettings(backend="vxlan", cluster_cidr=CLUSTER_CIDR, netns=node.netns)
            agent = PodNetworkAgent(client, node_name=node.name, settings=settings)
            agents.append(agent)
            tasks.append(asyncio.create_task(agent.run()))
        assert [await agent.pod_cidr() for agent in agents] == cidrs

        def published():
            return all(
                VTEP_MAC_ANNOTATION in (api.get(f"{NODES}/{n}")["metadata"].get("annotations") or {}) for n in names
            )

        await eventually(published, what="both VTEP MACs on the Nodes")
        await eventually(lambda: len(agents[0].routes.read_routes()) == 1, what="a route from a to b")
        await eventually(lambda: len(agents[1].routes.read_routes()) == 1, what="a route from b to a")
        assert agents[0].routes.read_routes() == {Route(b.pod_cidr, b.pod_cidr.split("/")[0], "kubemini.1", True)}
        await asyncio.to_thread(wait_for_ping, a.pod_netns, b.pod_ip)
        await asyncio.to_thread(wait_for_ping, b.pod_netns, a.pod_ip)

        api.delete(f"{NODES}/{b.name}")
        await eventually(lambda: agents[0].routes.read_state().routes == frozenset(), what="a's route to b removed")
        state = agents[0].routes.read_state()
        assert state.fdb == frozenset() and state.neighbours == frozenset() and state.device is not None
        assert not await asyncio.to_thread(ping, a.pod_netns, b.pod_ip)

        PodNetworkAgent.cleanup_kernel(agents[0].settings)
        assert agents[0].routes.read_state().device is None
    finally:
        for task in tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for client in clients:
            await client.close()
        manager.stop()
        topology.remove()
