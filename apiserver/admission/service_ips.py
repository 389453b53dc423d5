"""ServiceIPs: ClusterIPs and NodePorts for Services, allocated in etcd atomically with the Service.

Each allocated address or port is one bookkeeping key
(`/registry/ipallocations/<ip>`, `/registry/nodeportallocations/<port>`)
created in the same transaction as the Service, only if absent. Two
concurrent creates can therefore never get the same IP, and a deleted
Service releases its keys in its delete transaction.
"""

from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass

from apiserver.admission import CREATE, DELETE, UPDATE, AdmissionPlugin, Attributes
from apiserver.errors import ApiError
from apiserver.storage.backend import Backend, SideKeys

IP_KEY_PREFIX = "/registry/ipallocations/"
PORT_KEY_PREFIX = "/registry/nodeportallocations/"
DEFAULT_SERVICE_CIDR = "10.96.0.0/16"
NODE_PORT_RANGE = (30000, 32767)
_NODE_PORT_TYPES = ("NodePort", "LoadBalancer")


@dataclass(frozen=True)
class Allocation:
    side: SideKeys
    requested: dict[str, tuple[str, object]]  # key -> (field, value) the user asked for by name


@dataclass(frozen=True)
class ServiceNetwork:
    cidr: ipaddress.IPv4Network

    @classmethod
    def parse(cls, text: str) -> ServiceNetwork:
        return cls(ipaddress.IPv4Network(text, strict=False))

    @property
    def first_address(self) -> str:
        """The `kubernetes` Service's address, as in Kubernetes: the range's first usable IP."""
        return str(self.cidr.network_address + 1)

    def contains(self, address: str) -> bool:
        try:
            ip = ipaddress.IPv4Address(address)
        except ValueError:
            return False
        return ip in self.cidr and ip not in (self.cidr.network_address, self.cidr.broadcast_address)


def _invalid(field: str, value: object, detail: str) -> ApiError:
    return ApiError(
        422,
        f"Service is invalid: {field}: Invalid value: {value!r}: {detail}",
        reason="Invalid",
        details={"kind": "Service", "causes": [{"reason": "FieldValueInvalid", "message": detail, "field": field}]},
    )


def ip_key(address: str) -> str:
    return f"{IP_KEY_PREFIX}{address}"


def port_key(port: int) -> str:
    return f"{PORT_KEY_PREFIX}{port}"


def held_keys(service: dict | None) -> set[str]:
    """The bookkeeping keys a stored Service holds."""
    if not service:
        return set()
    spec = service.get("spec") or {}
    keys = set()
    address = spec.get("clusterIP")
    if address and address != "None":
        keys.add(ip_key(address))
    for port in spec.get("ports") or []:
        if isinstance(port, dict) and port.get("nodePort"):
            keys.add(port_key(int(port["nodePort"])))
    return keys


def drop_type_dependent_fields(old: dict, new: dict) -> None:
    """A type change away from NodePort/LoadBalancer (or to ExternalName) clears the values that
    no longer apply when the user left them as they were, as Kubernetes does."""
    old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
    new_type = new_spec.get("type", "ClusterIP")
    if old_spec.get("type") in _NODE_PORT_TYPES and new_type not in _NODE_PORT_TYPES:
        old_ports = {p.get("nodePort") for p in old_spec.get("ports") or [] if isinstance(p, dict)}
        for port in new_spec.get("ports") or []:
            if isinstance(port, dict) and port.get("nodePort") in old_ports:
                port.pop("nodePort", None)
    if new_type == "ExternalName" and old_spec.get("type") != "ExternalName":
        if new_spec.get("clusterIP") == old_spec.get("clusterIP"):
            new_spec.pop("clusterIP", None)
            new_spec.pop("clusterIPs", None)


def _same_port(a: dict, b: dict) -> bool:
    if a.get("name") and b.get("name"):
        return a["name"] == b["name"]
    return a.get("port") == b.get("port") and a.get("protocol", "TCP") == b.get("protocol", "TCP")


class ServiceAllocator:
    def __init__(self, store: Backend, network: ServiceNetwork):
        self.store = store
        self.network = network

    async def _free_ip(self) -> str:
        taken = {key.removeprefix(IP_KEY_PREFIX) for key in await self.store.keys(IP_KEY_PREFIX)}
        hosts = self.network.cidr.num_addresses - 2
        for _ in range(64):
            candidate = str(self.network.cidr.network_address + random.randint(2, hosts))
            if candidate not in taken:
                return candidate
        for address in self.network.cidr.hosts():
            if str(address) not in taken and str(address) != self.network.first_address:
                return str(address)
        raise ApiError(500, "no Service IP addresses are left in the range", reason="InternalError")

    async def _free_port(self, exclude: set[int]) -> int:
        taken = {int(k.removeprefix(PORT_KEY_PREFIX)) for k in await self.store.keys(PORT_KEY_PREFIX)} | exclude
        free = [p for p in range(NODE_PORT_RANGE[0], NODE_PORT_RANGE[1] + 1) if p not in taken]
        if not free:
            raise ApiError(500, "no NodePorts are left in the range", reason="InternalError")
        return random.choice(free)

    async def assign(self, service: dict, old: dict | None) -> Allocation:
        """Fill spec.clusterIP(s) and nodePorts; return the keys to create and release."""
        spec = service.setdefault("spec", {})
        old_spec = (old or {}).get("spec") or {}
        service_type = spec.get("type", "ClusterIP")
        requested: dict[str, tuple[str, object]] = {}
        if service_type == "ExternalName":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        elif spec.get("clusterIP") != "None":
            await self._assign_cluster_ip(spec, old_spec, requested)
        await self._assign_node_ports(spec, old_spec, requested, wanted=service_type in _NODE_PORT_TYPES)
        held, wanted = held_keys(old), held_keys(service)
        side = SideKeys(creates={key: b"1" for key in wanted - held}, deletes=sorted(held - wanted))
        return Allocation(side, {k: v for k, v in requested.items() if k in side.creates})

    async def explain_taken(self, allocation: Allocation) -> ApiError | None:
        """After SideKeyTaken: a 422 when a user-requested IP or port is taken, None to retry fresh picks."""
        for key, (field, value) in allocation.requested.items():
            if await self.store.keys(key):
                what = "IP" if key.startswith(IP_KEY_PREFIX) else "port"
                return _invalid(field, value, f"provided {what} is already allocated")
        return None

    async def _assign_cluster_ip(self, spec: dict, old_spec: dict, requested: dict) -> None:
        wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
        old_ip = old_spec.get("clusterIP")
        if wanted and wanted != old_ip:
            if not self.network.contains(wanted):
                raise _invalid(
                    "spec.clusterIPs",
                    [wanted],
                    f"failed to allocate IP {wanted}: provided IP is not in the valid range. "
                    f"The range of valid IPs is {self.network.cidr}",
                )
            requested[ip_key(wanted)] = ("spec.clusterIPs", [wanted])
        elif not wanted and old_ip and old_ip != "None":
            wanted = old_ip  # an update that leaves clusterIP out keeps the allocated one
        address = wanted or await self._free_ip()
        spec["clusterIP"] = address
        spec["clusterIPs"] = [address]
        spec.setdefault("ipFamilies", ["IPv4"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
        spec.setdefault("internalTrafficPolicy", "Cluster")

    async def _assign_node_ports(self, spec: dict, old_spec: dict, requested: dict, *, wanted: bool) -> None:
        ports = [p for p in spec.get("ports") or [] if isinstance(p, dict)]
        if not wanted:
            for port in ports:
                port.pop("nodePort", None)
            return
        spec.setdefault("externalTrafficPolicy", "Cluster")
        old_ports = [p for p in old_spec.get("ports") or [] if isinstance(p, dict)]
        held = {p.get("nodePort") for p in old_ports}
        chosen: set[int] = set()
        low, high = NODE_PORT_RANGE
        for index, port in enumerate(ports):
            field = f"spec.ports[{index}].nodePort"
            node_port = port.get("nodePort")
            if node_port and node_port not in held:
                if not isinstance(node_port, int) or not low <= node_port <= high:
                    raise _invalid(
                        field,
                        node_port,
                        f"provided port is not in the valid range. The range of valid ports is {low}-{high}",
                    )
                requested[port_key(node_port)] = (field, node_port)
            elif not node_port:
                node_port = next((o["nodePort"] for o in old_ports if _same_port(o, port) and o.get("nodePort")), 0)
            if node_port in chosen:
                raise _invalid(field, node_port, "provided port is already allocated")
            port["nodePort"] = node_port or await self._free_port(chosen)
            chosen.add(port["nodePort"])


class ServiceIPs(AdmissionPlugin):
    name = "ServiceIPs"

    def handles(self, attrs: Attributes) -> bool:
        record = attrs.record
        return record.group == "" and record.kind == "Service" and attrs.subresource is None

    async def mutate(self, ctx, attrs: Attributes) -> None:
        if attrs.operation == DELETE:
            attrs.side = attrs.side.merge(SideKeys(deletes=sorted(held_keys(attrs.obj))))
            return
        if attrs.operation == UPDATE and attrs.old is not None:
            drop_type_dependent_fields(attrs.old, attrs.obj)
        allocation = await ctx.allocator.assign(attrs.obj, attrs.old if attrs.operation == UPDATE else None)
        attrs.notes["service_allocation"] = allocation
        attrs.side = attrs.side.merge(allocation.side)

    async def explain_taken(self, ctx, attrs: Attributes):
        allocation = attrs.notes.get("service_allocation")
        return await ctx.allocator.explain_taken(allocation) if allocation else None


__all__ = ["CREATE", "DEFAULT_SERVICE_CIDR", "ServiceAllocator", "ServiceIPs", "ServiceNetwork", "held_keys"]
