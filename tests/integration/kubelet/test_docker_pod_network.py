"""The pod network on the node's pod CIDR as a real Docker network: subnet, gateway .1, Docker's
masquerading off; kept when it fits, remade when it does not and is empty, refused when pods use it."""

from __future__ import annotations

import secrets

import docker
import pytest

from kubelet.runtime.docker import DockerRuntime
from kubelet.runtime.docker_network import MASQUERADE_OPTION, MTU_OPTION, NetworkMismatch

PAUSE_IMAGE = "kubemini/pause:3.9"


@pytest.fixture
def network_name():
    name = f"kmtest-podnet-{secrets.token_hex(3)}"
    api = docker.from_env().api
    yield name
    for network in api.networks(names=[name]):
        for container in api.inspect_network(network["Id"]).get("Containers") or {}:
            api.remove_container(container, force=True)
        api.remove_network(network["Id"])


def inspect(name: str) -> dict:
    api = docker.from_env().api
    (network,) = [n for n in api.networks(names=[name]) if n["Name"] == name]
    return api.inspect_network(network["Id"])


# 10.249.x: subnets of a Docker network this test makes and removes; no traffic is sent to them.
async def test_network_on_the_pod_cidr_is_made_kept_and_remade(network_name):
    runtime = DockerRuntime(max_workers=2)
    try:
        await runtime.ensure_network(network_name, subnet="10.249.1.0/24")
        made = inspect(network_name)
        assert made["IPAM"]["Config"] == [{"Subnet": "10.249.1.0/24", "Gateway": "10.249.1.1"}]
        assert made["Options"][MASQUERADE_OPTION] == "false"

        await runtime.ensure_network(network_name, subnet="10.249.1.0/24")
        assert inspect(network_name)["Id"] == made["Id"]  # fits: kept

        await runtime.ensure_network(network_name, subnet="10.249.2.0/24", mtu=1450)  # vxlan's pods
        remade = inspect(network_name)
        assert remade["Id"] != made["Id"] and remade["IPAM"]["Config"][0]["Subnet"] == "10.249.2.0/24"
        assert remade["Options"][MTU_OPTION] == "1450"

        api = docker.from_env().api
        container = api.create_container(
            PAUSE_IMAGE, host_config=api.create_host_config(network_mode=network_name), labels={"kmtest": "1"}
        )
        api.start(container["Id"])
        with pytest.raises(NetworkMismatch, match="containers attached"):
            await runtime.ensure_network(network_name, subnet="10.249.3.0/24", mtu=1450)
        assert inspect(network_name)["Id"] == remade["Id"]
    finally:
        await runtime.close()
