"""The pod network as a Docker bridge network: made if absent, remade when its subnet is wrong.

    ensure(name, subnet=None)     ──► today's behaviour: any bridge network of that name will do
    ensure(name, subnet=CIDR, mtu) ──► the node's pod CIDR (from its Node's spec.podCIDR), the pods' MTU
                                     (1450 under VXLAN):
        network_problem(inspect, subnet) (pure) says what differs ──► none: kept
        differs and no container attached ──► removed and created again
        differs with containers attached ──► NetworkMismatch (the operator removes those pods first)
With a subnet the network has Docker's masquerading turned off
(com.docker.network.bridge.enable_ip_masquerade=false): pod traffic to the cluster CIDR must keep
its pod source address across nodes, and the kubelet's own KUBEMINI-POD-NET chain masquerades
the rest (pod_network/iptables_rules.py).
"""

from __future__ import annotations

import ipaddress
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import docker.errors
import docker.types

from kubelet.runtime import labels as label_keys

MASQUERADE_OPTION = "com.docker.network.bridge.enable_ip_masquerade"
MTU_OPTION = "com.docker.network.driver.mtu"

log = logging.getLogger(__name__)
Call = Callable[..., Awaitable[Any]]


class NetworkMismatch(RuntimeError):
    pass


def network_subnets(inspect: Mapping[str, Any]) -> list[str]:
    return [c.get("Subnet") for c in ((inspect.get("IPAM") or {}).get("Config") or []) if c.get("Subnet")]


def network_options(mtu: int | None) -> dict[str, str]:
    return {MASQUERADE_OPTION: "false", **({MTU_OPTION: str(mtu)} if mtu else {})}


def network_problem(inspect: Mapping[str, Any], subnet: str, *, mtu: int | None = None) -> str | None:
    """What makes an existing network unfit for a pod CIDR (None: it fits)."""
    subnets = network_subnets(inspect)
    if subnets != [subnet]:
        return f"subnet {', '.join(subnets) or 'none'} instead of {subnet}"
    options = inspect.get("Options") or {}
    if options.get(MASQUERADE_OPTION) != "false":
        return "Docker masquerading on"
    if options.get(MTU_OPTION) != (str(mtu) if mtu else None):
        return f"MTU {options.get(MTU_OPTION) or 'default'} instead of {mtu or 'default'}"
    return None


def gateway_of(subnet: str) -> str:
    return str(ipaddress.ip_network(subnet).network_address + 1)


async def ensure_network(api: Any, call: Call, name: str, *, subnet: str | None = None, mtu: int | None = None) -> None:
    existing = [n for n in await call(api.networks, names=[name]) if n.get("Name") == name]
    if existing:
        if subnet is None:
            return
        inspect = await call(api.inspect_network, existing[0]["Id"])
        problem = network_problem(inspect, subnet, mtu=mtu)
        if problem is None:
            return
        if inspect.get("Containers"):
            raise NetworkMismatch(
                f"Docker network {name} has {problem}, and containers attached: remove them to let it be remade"
            )
        log.info("Docker network %s has %s: removing it to create it again", name, problem)
        await call(api.remove_network, existing[0]["Id"])
    extra: dict[str, Any] = {}
    if subnet is not None:
        pool = docker.types.IPAMPool(subnet=subnet, gateway=gateway_of(subnet))
        extra = {"ipam": docker.types.IPAMConfig(pool_configs=[pool]), "options": network_options(mtu)}
    try:
        await call(
            api.create_network,
            name,
            driver="bridge",
            labels={label_keys.MANAGED: "true"},
            check_duplicate=True,
            **extra,
        )
        log.info("created Docker network %s%s", name, f" on {subnet}" if subnet else "")
    except docker.errors.APIError as error:
        if error.status_code != 409:  # 409: another kubelet created it first
            raise
