"""One pod's containers as the runtime reports them, grouped the way sync and status read them.

    runtime.list_containers(pod_uid) ──► PodContainers
        .sandbox              newest sandbox (running preferred)
        .instances(name)      that container's instances, newest first (by restart count)
        .latest(name) / .previous(name)

The kubelet keeps at most two instances per container name (the current one
and the one before it, for `kubectl logs --previous`); older ones are removed
when a new instance starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from kubelet.runtime import ContainerRecord


def _newest_first(record: ContainerRecord) -> tuple[int, str]:
    return (record.restart_count, record.created_at or "")


@dataclass
class PodContainers:
    sandboxes: list[ContainerRecord] = field(default_factory=list)
    by_name: dict[str, list[ContainerRecord]] = field(default_factory=dict)

    @classmethod
    def from_records(cls, records: Iterable[ContainerRecord]) -> PodContainers:
        view = cls()
        for record in records:
            if record.is_sandbox:
                view.sandboxes.append(record)
            else:
                view.by_name.setdefault(record.container_name, []).append(record)
        view.sandboxes.sort(key=lambda r: (r.running, *_newest_first(r)), reverse=True)
        for instances in view.by_name.values():
            instances.sort(key=_newest_first, reverse=True)
        return view

    @property
    def sandbox(self) -> ContainerRecord | None:
        return self.sandboxes[0] if self.sandboxes else None

    @property
    def sandbox_running(self) -> bool:
        return self.sandbox is not None and self.sandbox.running

    @property
    def pod_ip(self) -> str | None:
        for sandbox in self.sandboxes:
            if sandbox.ip:
                return sandbox.ip
        return None

    def instances(self, name: str) -> list[ContainerRecord]:
        return self.by_name.get(name, [])

    def latest(self, name: str) -> ContainerRecord | None:
        instances = self.instances(name)
        return instances[0] if instances else None

    def previous(self, name: str) -> ContainerRecord | None:
        instances = self.instances(name)
        return instances[1] if len(instances) > 1 else None

    def all_records(self) -> list[ContainerRecord]:
        return [*self.sandboxes, *(r for instances in self.by_name.values() for r in instances)]

    def running_records(self) -> list[ContainerRecord]:
        return [r for r in self.all_records() if r.running]

    def find(self, container_id: str) -> ContainerRecord | None:
        return next((r for r in self.all_records() if r.id == container_id), None)
