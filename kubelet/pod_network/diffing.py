"""Desired pod-network state against what the kernel holds: the changes to make (pure).

    device_action(desired, installed) ──► "create" | "recreate" (any attribute differs) | "delete" | None
    changes(desired, installed)       ──► entries to add (replace) and to delete, per kind
A recreated device loses its FDB, neighbour and route entries, so the agent reads the kernel again
after a device action and diffs the entries against that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubelet.pod_network.desired import FdbEntry, Neighbour, NetworkState, Route, VxlanDevice


def device_action(desired: VxlanDevice | None, installed: VxlanDevice | None) -> str | None:
    if desired is None:
        return "delete" if installed is not None else None
    if installed is None:
        return "create"
    return "recreate" if installed != desired else None


@dataclass(frozen=True)
class Changes:
    add_routes: list[Route] = field(default_factory=list)
    delete_routes: list[Route] = field(default_factory=list)
    add_neighbours: list[Neighbour] = field(default_factory=list)
    delete_neighbours: list[Neighbour] = field(default_factory=list)
    add_fdb: list[FdbEntry] = field(default_factory=list)
    delete_fdb: list[FdbEntry] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def changes(desired: NetworkState, installed: NetworkState) -> Changes:
    wanted_dsts = {r.dst for r in desired.routes}
    wanted_ips = {n.ip for n in desired.neighbours}
    return Changes(
        add_routes=sorted(desired.routes - installed.routes),
        # A route replaced in place (same dst, new gateway) needs no delete first.
        delete_routes=sorted(r for r in installed.routes - desired.routes if r.dst not in wanted_dsts),
        add_neighbours=sorted(desired.neighbours - installed.neighbours),
        delete_neighbours=sorted(n for n in installed.neighbours - desired.neighbours if n.ip not in wanted_ips),
        add_fdb=sorted(desired.fdb - installed.fdb),
        delete_fdb=sorted(installed.fdb - desired.fdb),
    )
