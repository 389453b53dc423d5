"""The kernel side of the pod network, through iproute2: read what is ours, apply changes, remove it all.

    read_state()  ──► `ip -j -d link show dev kubemini.1` + `ip -j addr` (the device),
                      `ip -j route show proto 77` (our routes: nobody else uses protocol 77),
                      `ip -j neigh` / `bridge -j fdb show dev kubemini.1` (entries on our device)
    apply(desired) ──► device created / recreated / deleted first, the kernel read again,
                      then routes, neighbours and FDB entries changed (diffing.changes)
    cleanup()     ──► every route of proto 77 and the device deleted
`netns` runs every command in a named network namespace (`ip -n`, `bridge -n`): the tests
program namespaces of their own and never this machine's. A route that cannot be installed
(host-gw to a gateway not on any link) is logged and the rest still applied; the next sync tries again.
"""

from __future__ import annotations

import json
import logging
import subprocess
from typing import Any

from kubelet.pod_network.desired import VXLAN_DEVICE, FdbEntry, Neighbour, NetworkState, Route, VxlanDevice
from kubelet.pod_network.diffing import Changes, changes, device_action

ROUTE_PROTOCOL = "77"  # ours; iproute2's named protocols (kernel, boot, static, bird, ...) stay clear of it
COMMAND_TIMEOUT_SECONDS = 15.0

log = logging.getLogger(__name__)


class PodNetworkError(RuntimeError):
    pass


class IpRoute:
    def __init__(self, *, netns: str | None = None, device_name: str = VXLAN_DEVICE):
        self.netns = netns
        self.device_name = device_name

    # -- commands -------------------------------------------------------------------------------

    def _run(self, tool: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        argv = [tool, *(["-n", self.netns] if self.netns else []), *args]
        result = subprocess.run(argv, capture_output=True, text=True, timeout=COMMAND_TIMEOUT_SECONDS)
        if check and result.returncode != 0:
            raise PodNetworkError(f"{' '.join(argv)} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    def _json(self, tool: str, *args: str) -> list[dict[str, Any]]:
        result = self._run(tool, "-j", *args, check=False)
        if result.returncode != 0:
            return []  # e.g. the device does not exist
        return json.loads(result.stdout or "[]") or []

    # -- reading --------------------------------------------------------------------------------

    def read_device(self) -> VxlanDevice | None:
        links = self._json("ip", "-d", "link", "show", "dev", self.device_name)
        if not links:
            return None
        link = links[0]
        data = (link.get("linkinfo") or {}).get("info_data") or {}
        addresses = self._json("ip", "addr", "show", "dev", self.device_name)
        inet = [a["local"] for a in (addresses[0].get("addr_info") if addresses else []) or [] if a["family"] == "inet"]
        return VxlanDevice(
            name=self.device_name,
            vni=int(data.get("id", -1)),
            port=int(data.get("port", -1)),
            local=str(data.get("local", "")),
            address=inet[0] if len(inet) == 1 else ",".join(inet),
            mac=str(link.get("address", "")),
            mtu=int(link.get("mtu", 0)),
        )

    def read_routes(self) -> frozenset[Route]:
        routes = set()
        for entry in self._json("ip", "route", "show", "proto", ROUTE_PROTOCOL):
            dev = entry.get("dev")
            routes.add(
                Route(
                    dst=entry["dst"],
                    gateway=str(entry.get("gateway", "")),
                    dev=dev if dev == self.device_name else None,
                    onlink="onlink" in (entry.get("flags") or []),
                )
            )
        return frozenset(routes)

    def read_state(self) -> NetworkState:
        device = self.read_device()
        neighbours: set[Neighbour] = set()
        fdb: set[FdbEntry] = set()
        if device is not None:
            for entry in self._json("ip", "neigh", "show", "dev", self.device_name):
                if entry.get("lladdr"):
                    neighbours.add(Neighbour(entry["dst"], entry["lladdr"]))
            for entry in self._json("bridge", "fdb", "show", "dev", self.device_name):
                if entry.get("dst"):
                    fdb.add(FdbEntry(entry["mac"], entry["dst"]))
        return NetworkState(device, self.read_routes(), frozenset(neighbours), frozenset(fdb))

    # -- writing --------------------------------------------------------------------------------

    def _create_device(self, device: VxlanDevice) -> None:
        self._run(
            "ip", "link", "add", device.name, "address", device.mac, "mtu", str(device.mtu),
            "type", "vxlan", "id", str(device.vni), "local", device.local, "dstport", str(device.port), "nolearning",
        )  # fmt: skip
        self._run("ip", "addr", "add", f"{device.address}/32", "dev", device.name)
        self._run("ip", "link", "set", device.name, "up")

    def _delete_device(self) -> None:
        self._run("ip", "link", "del", self.device_name, check=False)

    def _route_args(self, route: Route) -> list[str]:
        args = [route.dst, "via", route.gateway]
        if route.dev:
            args += ["dev", route.dev]
        if route.onlink:
            args.append("onlink")
        return [*args, "proto", ROUTE_PROTOCOL]

    def _apply_changes(self, todo: Changes) -> list[str]:
        failures = []
        steps: list[tuple[str, ...]] = [
            *(("bridge", "fdb", "del", f.mac, "dev", self.device_name, "dst", f.dst) for f in todo.delete_fdb),
            *(
                ("bridge", "fdb", "replace", f.mac, "dev", self.device_name, "dst", f.dst, "self", "permanent")
                for f in todo.add_fdb
            ),
            *(
                ("ip", "neigh", "replace", n.ip, "lladdr", n.mac, "dev", self.device_name, "nud", "permanent")
                for n in todo.add_neighbours
            ),
            *(("ip", "route", "replace", *self._route_args(r)) for r in todo.add_routes),
            *(("ip", "route", "del", r.dst, "proto", ROUTE_PROTOCOL) for r in todo.delete_routes),
            *(("ip", "neigh", "del", n.ip, "dev", self.device_name) for n in todo.delete_neighbours),
        ]
        for step in steps:
            result = self._run(step[0], *step[1:], check=False)
            if result.returncode != 0:
                failures.append(f"{' '.join(step)}: {result.stderr.strip()}")
        return failures

    def apply(self, desired: NetworkState) -> list[str]:
        """Make the kernel hold `desired`; returns the steps that failed (retried on the next sync)."""
        installed = self.read_state()
        action = device_action(desired.device, installed.device)
        if action in ("recreate", "delete"):
            log.info("pod network: removing device %s (%s)", self.device_name, action)
            self._delete_device()
        if action in ("create", "recreate") and desired.device is not None:
            log.info(
                "pod network: creating %s (VNI %d, local %s)",
                self.device_name,
                desired.device.vni,
                desired.device.local,
            )
            self._create_device(desired.device)
        if action is not None:
            installed = self.read_state()
        todo = changes(desired, installed)
        if todo:
            log.info(
                "pod network: +%d/-%d routes, +%d/-%d neighbours, +%d/-%d fdb",
                len(todo.add_routes), len(todo.delete_routes), len(todo.add_neighbours),
                len(todo.delete_neighbours), len(todo.add_fdb), len(todo.delete_fdb),
            )  # fmt: skip
        failures = self._apply_changes(todo)
        for failure in failures:
            log.warning("pod network: %s", failure)
        return failures

    def cleanup(self) -> None:
        for route in self.read_routes():
            self._run("ip", "route", "del", route.dst, "proto", ROUTE_PROTOCOL, check=False)
        self._delete_device()
