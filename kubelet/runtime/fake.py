"""An in-memory ContainerRuntime for hollow nodes: the control plane sees real kubelets, no container runs.

    create_sandbox / create_container ──► record (state created)
    start_container ──► state running at once; sandboxes get an invented IP
    stop_container ──► state exited (exit code 0, or `stop_exit_code`)

Pod IPs are `<ip_prefix>.1-254`, a /24 per hollow node: nothing ever
sends traffic to them (`network_probes` is False, so probes do not either).
Every image is "present". Tests can make a container exit with `exit(...)`.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
from collections.abc import AsyncIterator
from dataclasses import replace

from kubelet.runtime import (
    CREATED,
    EXITED,
    RUNNING,
    ContainerConfig,
    ContainerRecord,
    ExecResult,
    NodeResources,
    RuntimeStream,
    SandboxConfig,
    StartContainerError,
    StreamingUnsupported,
)
from kubelet.runtime import labels as label_keys
from kubemini.api import timestamps

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

    async def ensure_network(self, name: str) -> None:
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

    async def watch_events(self, *, node: str) -> AsyncIterator[str]:
        while True:
            yield await self._events.get()

    async def close(self) -> None:
        return None
