"""ContainerRuntime on the Docker Engine API (docker-py's low-level APIClient).

    async method ──► bounded ThreadPoolExecutor (blocking SDK call) ──► Docker Engine socket
    logs / events ──► a thread per stream (docker_streams.py)
    exec ──► its own small pool: a probe's `sleep 100` must not hold a slot container starts need

Sandboxes join the project's own bridge network; app containers join their
sandbox with `network_mode=container:<sandbox id>`. Inspect results of exited
containers are cached (they never change again): a pod sync lists its pod's
containers and inspects only the live ones. Images (inspects cached a few
seconds, pulls from loopback registries only): docker_images.py.

Sandbox network leaves (stop, remove of a pause container) run one at a time
on the machine, joins (starts) in parallel but never beside a leave: see
network_lock.py for why.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import docker
import docker.errors
import requests

from kubelet.runtime import (
    EXITED,
    ContainerConfig,
    ContainerRecord,
    CreateContainerError,
    ExecResult,
    NodeResources,
    ResourceUsage,
    RuntimeStream,
    RuntimeUnavailable,
    SandboxConfig,
    StartContainerError,
    docker_exec,
    docker_network,
)
from kubelet.runtime import labels as label_keys
from kubelet.runtime.docker_images import DockerImages
from kubelet.runtime.docker_options import container_host_options, sandbox_host_options
from kubelet.runtime.docker_streams import iterate_blocking
from kubelet.runtime.docker_translation import (
    explain,
    filesystem_bytes,
    record_from_inspect,
)
from kubelet.runtime.docker_usage import read_node_usage, usage_from_stats
from kubelet.runtime.hairpin import enable_hairpin
from kubelet.runtime.network_lock import NETWORK_LOCK_PATH, NetworkLock, holding_file_lock

API_VERSION = "1.41"  # Docker 20.10; fixed so that building the client never needs the daemon
CALL_TIMEOUT_SECONDS = 60
DEFAULT_WORKERS = 16
EXEC_WORKERS = 8
INSPECT_CACHE_SIZE = 4096

log = logging.getLogger(__name__)


class DockerRuntime:
    name = "docker"
    network_probes = True

    def __init__(self, *, max_workers: int = DEFAULT_WORKERS, base_url: str | None = None):
        kwargs: dict[str, Any] = {"version": API_VERSION, "timeout": CALL_TIMEOUT_SECONDS}
        pool = max_workers + EXEC_WORKERS + 4
        if base_url:
            self._api = docker.APIClient(base_url=base_url, max_pool_size=pool, **kwargs)
        else:
            self._api = docker.from_env(max_pool_size=pool, **kwargs).api
        self._pool = ThreadPoolExecutor(max_workers, thread_name_prefix="docker")
        self._exec_pool = ThreadPoolExecutor(EXEC_WORKERS, thread_name_prefix="docker-exec")
        self._inspected: dict[tuple[str, str], ContainerRecord] = {}
        self._images = DockerImages(self._api, self._call)
        self._sandboxes: set[str] = set()  # ids of pause containers seen or made: their network ops are serial
        self._network_lock = NetworkLock()

    async def _call(self, function: Any, *args: Any, pool: ThreadPoolExecutor | None = None, **kwargs: Any) -> Any:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(pool or self._pool, functools.partial(function, *args, **kwargs))
        except (requests.exceptions.ConnectionError, docker.errors.DockerException) as error:
            if isinstance(error, docker.errors.APIError):
                raise
            raise RuntimeUnavailable(f"cannot reach the Docker engine: {error}") from error

    async def node_resources(self) -> NodeResources:
        info = await self._call(self._api.info)
        return NodeResources(
            cpu_millis=int(info.get("NCPU", 1)) * 1000,
            memory_bytes=int(info.get("MemTotal", 0)),
            runtime_version=f"docker://{info.get('ServerVersion', 'unknown')}",
            kernel_version=info.get("KernelVersion", ""),
            os_image=info.get("OperatingSystem", ""),
            machine_id=str(info.get("ID", "")),
            ephemeral_storage_bytes=filesystem_bytes(str(info.get("DockerRootDir") or "/var/lib/docker")),
        )

    async def ping(self) -> bool:
        try:
            return bool(await self._call(self._api.ping))
        except Exception:  # noqa: BLE001 - any failure means "not reachable"
            return False

    async def ensure_network(self, name: str, *, subnet: str | None = None, mtu: int | None = None) -> None:
        await docker_network.ensure_network(self._api, self._call, name, subnet=subnet, mtu=mtu)

    async def _inspect(self, summary: dict[str, Any]) -> ContainerRecord | None:
        key = (summary["Id"], summary.get("State", ""))
        cached = self._inspected.get(key)
        if cached is not None:
            return cached
        try:
            record = record_from_inspect(await self._call(self._api.inspect_container, summary["Id"]))
        except docker.errors.NotFound:
            return None
        if record.is_sandbox:
            self._sandboxes.add(record.id)
        # Only an exited container never changes again. Docker's list can lag behind a
        # container's death for a moment, so a cached "running" answer would hide the exit.
        if record.state == EXITED:
            if len(self._inspected) >= INSPECT_CACHE_SIZE:
                self._inspected.clear()
            self._inspected[key] = record
        return record

    async def list_containers(self, *, node: str, pod_uid: str | None = None) -> list[ContainerRecord]:
        filters = {"label": label_keys.node_filter(node, pod_uid)}
        summaries = await self._call(self._api.containers, all=True, filters=filters)
        records = await asyncio.gather(*(self._inspect(summary) for summary in summaries))
        return [record for record in records if record is not None]

    async def image_present(self, image: str) -> bool:
        return await self._images.inspect(image) is not None

    async def pull_image(self, image: str) -> None:
        await self._images.pull(image)

    async def image_user(self, image: str) -> str:
        return await self._images.user(image)

    async def create_sandbox(self, config: SandboxConfig) -> str:
        options = sandbox_host_options(config)
        host_config = self._api.create_host_config(**options)
        ports = [(b.container_port, b.protocol) for b in config.port_bindings]
        try:
            created = await self._call(
                self._api.create_container,
                config.image,
                name=config.name,
                hostname=config.hostname or None,
                labels=config.labels,
                host_config=host_config,
                ports=ports or None,
                detach=True,
            )
        except docker.errors.APIError as error:
            raise CreateContainerError(explain(error)) from error
        self._sandboxes.add(created["Id"])
        return created["Id"]

    async def create_container(self, config: ContainerConfig) -> str:
        host_config = self._api.create_host_config(**container_host_options(config))
        container = self._api.create_container_config(
            config.image,
            command=config.args,
            entrypoint=config.command,
            environment=[f"{key}={value}" for key, value in config.env.items()],
            working_dir=config.working_dir,
            labels=config.labels,
            host_config=host_config,
            tty=config.tty,
            stdin_open=config.stdin,
            user=config.security.user or None,
            detach=True,
        )
        container["StdinOnce"] = config.stdin_once
        try:
            created = await self._call(self._api.create_container_from_config, container, name=config.name)
        except docker.errors.APIError as error:
            raise CreateContainerError(explain(error)) from error
        return created["Id"]

    async def _container_op(
        self, container_id: str, function: Any, *args: Any, join: bool = False, **kwargs: Any
    ) -> Any:
        """Run a start/stop/remove; a sandbox's under the network lock (shared for a join: network_lock.py)."""
        if container_id not in self._sandboxes:
            return await self._call(function, container_id, *args, **kwargs)
        held = self._network_lock.shared() if join else self._network_lock.exclusive()
        async with held:
            return await self._call(
                holding_file_lock, NETWORK_LOCK_PATH, function, container_id, *args, shared=join, **kwargs
            )

    def _stop_and_settle(self, container_id: str, *, timeout: int) -> None:
        self._api.stop(container_id, timeout=timeout)
        # Docker releases the network in its exit handling, holding the container's lock;
        # an inspect takes that lock too, so it returns once the release is over.
        self._api.inspect_container(container_id)

    async def start_container(self, container_id: str) -> None:
        try:
            await self._container_op(container_id, self._api.start, join=True)
        except docker.errors.APIError as error:
            raise StartContainerError(explain(error)) from error
        if container_id in self._sandboxes:
            pid = ((await self._call(self._api.inspect_container, container_id)).get("State") or {}).get("Pid")
            if pid:
                await asyncio.to_thread(enable_hairpin, int(pid))

    async def stop_container(self, container_id: str, *, timeout_seconds: float) -> None:
        try:
            await self._container_op(container_id, self._stop_and_settle, timeout=max(0, int(timeout_seconds)))
        except docker.errors.NotFound:
            pass

    async def remove_container(self, container_id: str) -> None:
        try:
            await self._container_op(container_id, self._api.remove_container, force=True, v=True)
        except docker.errors.APIError as error:
            if error.status_code not in (404, 409):  # gone already, or its removal is in progress
                raise
        self._sandboxes.discard(container_id)

    async def exec_in_container(self, container_id: str, command: list[str], *, timeout_seconds: float) -> ExecResult:
        try:
            return await asyncio.wait_for(
                self._call(docker_exec.run_to_completion, self._api, container_id, command, pool=self._exec_pool),
                timeout_seconds,
            )
        except TimeoutError:
            return ExecResult(-1, f"command timed out after {timeout_seconds:.0f}s")
        except docker.errors.APIError as error:
            return ExecResult(-1, explain(error))

    async def _exec_call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        return await self._call(function, *args, pool=self._exec_pool, **kwargs)

    async def open_exec(self, container_id: str, command: list[str], *, stdin: bool, tty: bool) -> RuntimeStream:
        return await docker_exec.open_exec(self._api, self._exec_call, container_id, command, stdin=stdin, tty=tty)

    async def open_attach(self, container_id: str, *, stdin: bool, tty: bool) -> RuntimeStream:
        return await docker_exec.open_attach(self._api, self._exec_call, container_id, stdin=stdin, tty=tty)

    async def container_logs(
        self,
        container_id: str,
        *,
        follow: bool,
        tail_lines: int | None,
        timestamps: bool,
        since_seconds: int | None,
    ) -> AsyncIterator[bytes]:
        kwargs: dict[str, Any] = {"stream": True, "follow": follow, "timestamps": timestamps}
        kwargs["tail"] = tail_lines if tail_lines is not None and tail_lines >= 0 else "all"
        if since_seconds:
            kwargs["since"] = int(time.time() - since_seconds)
        stream = await self._call(self._api.logs, container_id, **kwargs)
        async for chunk in iterate_blocking(stream, close=stream.close, name=f"logs-{container_id[:12]}"):
            yield chunk

    async def container_usage(self, container_id: str, *, pod: Mapping[str, Any]) -> ResourceUsage | None:
        try:
            return usage_from_stats(await self._call(self._api.stats, container_id, stream=False, one_shot=True))
        except docker.errors.APIError:
            return None  # removed meanwhile: no usage to report

    async def node_usage(self) -> ResourceUsage | None:
        return await asyncio.to_thread(read_node_usage)

    async def watch_events(self, *, node: str) -> AsyncIterator[str]:
        filters = {"type": "container", "label": label_keys.node_filter(node), "event": ["die", "oom", "start"]}
        stream = await self._call(self._api.events, decode=True, filters=filters)
        async for event in iterate_blocking(stream, close=stream.close, name=f"events-{node}", drop_when_full=True):
            uid = ((event.get("Actor") or {}).get("Attributes") or {}).get(label_keys.POD_UID)
            if uid:
                yield uid

    async def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._exec_pool.shutdown(wait=False, cancel_futures=True)
        self._api.close()
