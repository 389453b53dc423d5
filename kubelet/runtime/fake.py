"""An in-memory ContainerRuntime for hollow nodes: the control plane sees real kubelets, no container runs.

    create_sandbox / create_container ──► record (state created)
    start_container ──► state running at once; sandboxes get an invented IP
    stop_container ──► state exited (exit code 0, or `stop_exit_code`)

Pod IPs are `<ip_prefix>.1-254`, a /24 per hollow node: nothing ever
sends traffic to them (`network_probes` is False, so probes do not either).
Every image is "present". Tests can make a container exit with `exit(...)`.

Usage is what the pod asks for: each running app container uses the CPU of the annotation
`kubemini.io/hollow-cpu-usage` (`250m`) and the memory of `kubemini.io/hollow-memory-usage`
(`64Mi`), 0 without them. CPU is integrated over time (cumulative core-seconds, like a real
cgroup), so changing the annotation changes the rate from then on.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from kubelet.runtime import (
    CREATED,
    EXITED,
    RUNNING,
    ContainerConfig,
    ContainerRecord,
    ExecResult,
    NodeResources,
    ResourceUsage,
    RuntimeStream,
    SandboxConfig,
    StartContainerError,
    StreamingUnsupported,
)
from kubelet.runtime import labels as label_keys
from kubemini.api import timestamps
from kubemini.api.quantity import cpu_millis, is_valid_quantity, to_bytes

HOLLOW_CPU_USAGE_ANNOTATION = "kubemini.io/hollow-cpu-usage"
HOLLOW_MEMORY_USAGE_ANNOTATION = "kubemini.io/hollow-memory-usage"
FAKE_CPU_MILLIS = 4000
FAKE_MEMORY_BYTES = 16 * 2**30
FAKE_STORAGE_BYTES = 100 * 2**30
HOSTS_PER_PREFIX = 254  # a node runs at most 110 pods: addresses are reused long after


class FakeRuntime:
    name = "fake"
    network_probes = False

    def __init__(self, *, ip_prefix: str = "10.250.0"):
        self.ip_prefix = ip_prefix
        self.containers: dict[str, ContainerRecord] = {}
        self.logs: dict[str, bytes] = {}
        self._ids = itertools.count(1)
        self._ips = itertools.count(1)
        self._events: asyncio.Queue[str] = asyncio.Queue()
        self._cpu_used: dict[str, tuple[float, float, float]] = {}  # id ──► (time, core-seconds, cores)

    async def node_resources(self) -> NodeResources:
        return NodeResources(
            FAKE_CPU_MILLIS,
            FAKE_MEMORY_BYTES,
            "fake://0.1.0",
            kernel_version="hollow",
            ephemeral_storage_bytes=FAKE_STORAGE_BYTES,
        )

    async def ping(self) -> bool:
        return True

    async def ensure_network(self, name: str, *, subnet: str | None = None, mtu: int | None = None) -> None:
        return None

    async def list_containers(self, *, node: str, pod_uid: str | None = None) -> list[ContainerRecord]:
        wanted = label_keys.node_filter(node, pod_uid)
        return [
            record
            for record in self.containers.values()
            if all(record.labels.get(key) == value for key, _, value in (f.partition("=") for f in wanted))
        ]

    async def image_present(self, image: str) -> bool:
        return True

    async def pull_image(self, image: str) -> None:
        return None

    async def image_user(self, image: str) -> str:
        return ""

    def _new_id(self) -> str:
        return f"{next(self._ids):064x}"

    async def create_sandbox(self, config: SandboxConfig) -> str:
        container_id = self._new_id()
        self.containers[container_id] = ContainerRecord(
            container_id,
            config.name,
            dict(config.labels),
            CREATED,
            image=config.image,
            created_at=timestamps.now_micro(),
        )
        return container_id

    async def create_container(self, config: ContainerConfig) -> str:
        container_id = self._new_id()
        self.containers[container_id] = ContainerRecord(
            container_id,
            config.name,
            dict(config.labels),
            CREATED,
            image=config.image,
            image_id="sha256:" + hashlib.sha256(config.image.encode()).hexdigest(),
            created_at=timestamps.now_micro(),
        )
        self.logs[container_id] = f"hollow container {config.name}\n".encode()
        return container_id

    async def start_container(self, container_id: str) -> None:
        record = self.containers.get(container_id)
        if record is None:
            raise StartContainerError(f"no such container: {container_id}")
        ip = None
        if record.is_sandbox:
            n = next(self._ips)
            ip = f"{self.ip_prefix}.{(n - 1) % HOSTS_PER_PREFIX + 1}"
        self.containers[container_id] = replace(record, state=RUNNING, started_at=timestamps.now_micro(), ip=ip)

    def exit(self, container_id: str, exit_code: int = 0, *, oom_killed: bool = False) -> None:
        record = self.containers[container_id]
        self.containers[container_id] = replace(
            record, state=EXITED, exit_code=exit_code, oom_killed=oom_killed, finished_at=timestamps.now_micro()
        )
        self._events.put_nowait(record.pod_uid)

    async def stop_container(self, container_id: str, *, timeout_seconds: float) -> None:
        record = self.containers.get(container_id)
        if record is not None and record.state != EXITED:
            exit_code = 0 if record.state == CREATED else 137
            self.containers[container_id] = replace(
                record, state=EXITED, exit_code=exit_code, finished_at=timestamps.now_micro()
            )

    async def remove_container(self, container_id: str) -> None:
        self.containers.pop(container_id, None)
        self.logs.pop(container_id, None)
        self._cpu_used.pop(container_id, None)

    async def exec_in_container(self, container_id: str, command: list[str], *, timeout_seconds: float) -> ExecResult:
        return ExecResult(0, "")

    async def open_exec(self, container_id: str, command: list[str], *, stdin: bool, tty: bool) -> RuntimeStream:
        raise StreamingUnsupported("hollow nodes run no containers: nothing to exec into")

    async def open_attach(self, container_id: str, *, stdin: bool, tty: bool) -> RuntimeStream:
        raise StreamingUnsupported("hollow nodes run no containers: nothing to attach to")

    async def container_logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail_lines: int | None,
        timestamps: bool,
        since_seconds: int | None,
    ) -> AsyncIterator[bytes]:
        yield self.logs.get(container_id, b"")

    async def container_usage(self, container_id: str, *, pod: Mapping[str, Any]) -> ResourceUsage | None:
        record = self.containers.get(container_id)
        if record is None or not record.running:
            return None
        annotations = (pod.get("metadata") or {}).get("annotations") or {}
        cpu = annotations.get(HOLLOW_CPU_USAGE_ANNOTATION, "0")
        memory = annotations.get(HOLLOW_MEMORY_USAGE_ANNOTATION, "0")
        cores = cpu_millis(cpu) / 1000 if is_valid_quantity(cpu) else 0.0
        now = round(time.time(), 3)  # the millisecond the metrics text carries: rates come out exact
        since, used, rate = self._cpu_used.get(container_id, (now, 0.0, cores))
        used += rate * (now - since)
        self._cpu_used[container_id] = (now, used, cores)
        return ResourceUsage(used, to_bytes(memory) if is_valid_quantity(memory) else 0, now)

    async def node_usage(self) -> ResourceUsage | None:
        return None

    async def watch_events(self, *, node: str) -> AsyncIterator[str]:
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        return None
