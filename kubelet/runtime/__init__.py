"""The seam between the kubelet and whatever runs containers.

    pod_sync ──► ContainerRuntime ──► docker.DockerRuntime (Docker SDK, bounded thread pool)
                                  └─► fake.FakeRuntime   (in memory: hollow nodes)

The kubelet never keeps its own record of what runs: every sync asks the
runtime for the containers of a pod (`list_containers`) and reads their labels
(`labels.py`) to know which pod, which container and which restart they are.
So a kubelet restart loses nothing: the view is rebuilt from the runtime.

Records are plain values; timestamps are RFC 3339 strings at second precision
(what a Pod status carries), `None` when not applicable.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from kubelet.runtime import labels as label_keys

CREATED = "created"
RUNNING = "running"
EXITED = "exited"
UNKNOWN = "unknown"


class ContainerRuntimeError(Exception):
    """Base of runtime failures the kubelet turns into container waiting reasons."""


class RuntimeUnavailable(ContainerRuntimeError):
    """The runtime cannot be reached at all (Docker daemon down)."""


class ImageMissing(ContainerRuntimeError):
    """The image is not present and could not be pulled."""


class CreateContainerError(ContainerRuntimeError):
    """The runtime refused to create the container (bad config, name clash)."""


class StartContainerError(ContainerRuntimeError):
    """The container was created but would not start (missing executable, ...)."""


@dataclass(frozen=True)
class Mount:
    """A host directory or file bound into a container (a volume, a subPath, the termination log)."""

    source: str
    target: str
    read_only: bool = False


@dataclass(frozen=True)
class PortBinding:
    """A `hostPort`: published on the node's address, forwarded to the pod's port."""

    container_port: int
    host_port: int
    host_ip: str
    protocol: str = "tcp"


@dataclass(frozen=True)
class SandboxConfig:
    name: str
    hostname: str
    image: str
    network: str
    labels: dict[str, str]
    dns: list[str] = field(default_factory=list)
    dns_search: list[str] = field(default_factory=list)
    dns_options: list[str] = field(default_factory=list)
    host_network: bool = False
    host_ipc: bool = False
    extra_hosts: list[str] = field(default_factory=list)  # "name:ip", from hostAliases
    port_bindings: list[PortBinding] = field(default_factory=list)
    sysctls: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SecurityOptions:
    """A container's securityContext (pod-level merged in), in the runtime's terms."""

    user: str | None = None  # "uid" or "uid:gid"
    group_add: list[str] = field(default_factory=list)
    read_only_root: bool = False
    privileged: bool = False
    no_new_privileges: bool = False
    cap_add: list[str] = field(default_factory=list)
    cap_drop: list[str] = field(default_factory=list)
    seccomp_unconfined: bool = False
    host_pid: bool = False
    host_ipc: bool = False


@dataclass(frozen=True)
class ContainerConfig:
    name: str
    image: str
    sandbox_id: str
    labels: dict[str, str]
    command: list[str] | None = None  # replaces the image's ENTRYPOINT
    args: list[str] | None = None  # replaces the image's CMD
    env: dict[str, str] = field(default_factory=dict)
    working_dir: str | None = None
    cpu_request_millis: int | None = None
    cpu_limit_millis: int | None = None
    memory_limit_bytes: int | None = None
    tty: bool = False
    stdin: bool = False
    stdin_once: bool = False
    mounts: list[Mount] = field(default_factory=list)
    security: SecurityOptions = field(default_factory=SecurityOptions)
    pid_container_id: str | None = None  # join this container's PID namespace (an ephemeral container's target)


@dataclass(frozen=True)
class ContainerRecord:
    """One runtime container (sandbox or app) as last inspected."""

    id: str
    name: str
    labels: dict[str, str]
    state: str
    image: str = ""
    image_id: str = ""
    exit_code: int | None = None
    oom_killed: bool = False
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str = ""
    ip: str | None = None
    pid: int | None = None  # of its main process, while it runs

    @property
    def pod_uid(self) -> str:
        return self.labels.get(label_keys.POD_UID, "")

    @property
    def container_name(self) -> str:
        return self.labels.get(label_keys.CONTAINER, "")

    @property
    def is_sandbox(self) -> bool:
        return self.container_name == label_keys.SANDBOX_CONTAINER

    @property
    def restart_count(self) -> int:
        try:
            return int(self.labels.get(label_keys.RESTART_COUNT, "0"))
        except ValueError:
            return 0

    @property
    def running(self) -> bool:
        return self.state == RUNNING


@dataclass(frozen=True)
class NodeResources:
    cpu_millis: int
    memory_bytes: int
    runtime_version: str
    kernel_version: str = ""
    os_image: str = ""
    machine_id: str = ""
    ephemeral_storage_bytes: int = 0  # size of the filesystem holding the runtime's root directory


@dataclass(frozen=True)
class ResourceUsage:
    """A container's (or the node's) usage at one moment: what `/stats/summary` and `/metrics/resource` report."""

    cpu_core_seconds: float  # cumulative since the container started
    memory_working_set_bytes: int
    timestamp: float  # epoch seconds of the reading


@dataclass(frozen=True)
class ExecResult:
    exit_code: int
    output: str


@dataclass
class RuntimeStream:
    """A live exec or attach: one bidirectional socket to the runtime."""

    socket: socket.socket  # non-blocking; stdin goes in, output comes out
    multiplexed: bool  # no TTY: stdout and stderr framed (streaming/stream_demux.py)
    resize: Callable[[int, int], Awaitable[None]]  # (width, height) of the TTY
    exit_code: Callable[[], Awaitable[int | None]]  # once the output ended: the command's (exec), or None


class StreamingUnsupported(ContainerRuntimeError):
    """This runtime runs nothing (hollow nodes): no exec, attach or port-forward."""


class ContainerRuntime(Protocol):
    name: str
    # False for the fake runtime: its pod IPs are invented, so network probes must not be sent.
    network_probes: bool

    async def node_resources(self) -> NodeResources: ...

    async def ping(self) -> bool: ...

    async def ensure_network(self, name: str, *, subnet: str | None = None, mtu: int | None = None) -> None: ...

    async def list_containers(self, *, node: str, pod_uid: str | None = None) -> list[ContainerRecord]: ...

    async def image_present(self, image: str) -> bool: ...

    async def pull_image(self, image: str) -> None: ...

    async def image_user(self, image: str) -> str:
        """The USER the image runs as ("" = root)."""
        ...

    async def create_sandbox(self, config: SandboxConfig) -> str: ...

    async def create_container(self, config: ContainerConfig) -> str: ...

    async def start_container(self, container_id: str) -> None: ...

    async def stop_container(self, container_id: str, *, timeout_seconds: float) -> None: ...

    async def remove_container(self, container_id: str) -> None: ...

    async def exec_in_container(
        self, container_id: str, command: list[str], *, timeout_seconds: float
    ) -> ExecResult: ...

    async def open_exec(self, container_id: str, command: list[str], *, stdin: bool, tty: bool) -> RuntimeStream: ...

    async def open_attach(self, container_id: str, *, stdin: bool, tty: bool) -> RuntimeStream: ...

    def container_logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail_lines: int | None,
        timestamps: bool,
        since_seconds: int | None,
    ) -> AsyncIterator[bytes]: ...

    async def container_usage(self, container_id: str, *, pod: Mapping[str, Any]) -> ResourceUsage | None:
        """CPU and memory of a running container; None when it cannot be read (gone, not running)."""
        ...

    async def node_usage(self) -> ResourceUsage | None:
        """The whole machine's usage; None when it is the sum of the pods' (hollow nodes)."""
        ...

    def watch_events(self, *, node: str) -> AsyncIterator[str]:
        """Pod uids whose containers changed state (died, OOM, ...): a nudge to resync them."""
        ...

    async def close(self) -> None: ...
