"""Starting things in the runtime: a pod's sandbox, and one new instance of a container.

    create_sandbox / start_sandbox: pause container on the pod network, hostname = pod name
    create_instance: image (pull policy) ──► environment ──► security context ──► mounts
                     ──► create ──► Created event
    start_created:   start ──► Started event ──► postStart hook
    (split so a new pod's containers are created while its sandbox is still starting)
        each failure becomes a waiting reason (ErrImagePull, CreateContainerConfigError,
        CreateContainerError, RunContainerError) and a Warning event, never an exception

The new instance's restart count is the previous instance's plus one: the
count lives in the container's labels, so it survives a kubelet restart.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from kubelet.container_config import container_config, sandbox_config
from kubelet.container_status import Waiting
from kubelet.dns_config import pod_dns, waits_for_cluster_dns
from kubelet.environment import ConfigError, EnvironmentBuilder
from kubelet.image_pulling import ensure_image
from kubelet.node_context import NodeContext
from kubelet.pod_containers import PodContainers
from kubelet.probing import run_action
from kubelet.runtime import ContainerRuntimeError, StartContainerError
from kubelet.security_context import SecurityError, check_non_root, security_options
from kubelet.volumes import PodVolumes, VolumeError
from kubelet.volumes.mounts import prepare_container_mounts, termination_log_mount
from kubemini.api.service_env import service_environment, services_for_pod
from kubemini.client.events import NORMAL, WARNING

log = logging.getLogger(__name__)

POST_START_TIMEOUT_SECONDS = 30.0


class SandboxError(Exception):
    """The pod's sandbox could not be created or started."""


def uses_pod_ip(container: Mapping[str, Any]) -> bool:
    """Whether the environment reads the pod IP, known only once the sandbox runs."""
    for entry in container.get("env") or []:
        path = ((entry.get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath", "")
        if path in ("status.podIP", "status.podIPs"):
            return True
    return False


async def create_sandbox(ctx: NodeContext, pod: Mapping[str, Any], *, attempt: int) -> str:
    cluster_dns = ctx.settings.cluster_dns
    if ctx.settings.wait_for_cluster_dns and waits_for_cluster_dns(pod, cluster_dns=cluster_dns):
        message = f"the cluster DNS {cluster_dns} is not served on this node yet (kube-proxy)"
        ctx.emit(pod, WARNING, "FailedCreatePodSandBox", f"Failed to create pod sandbox: {message}")
        raise SandboxError(message)
    dns = pod_dns(pod, cluster_dns=cluster_dns, cluster_domain=ctx.settings.cluster_domain)
    config = sandbox_config(
        pod,
        node=ctx.node_name,
        image=ctx.settings.pause_image,
        network=ctx.settings.pod_network,
        attempt=attempt,
        dns=dns,
        node_ip=ctx.host_ip,
    )
    try:
        return await ctx.runtime.create_sandbox(config)
    except ContainerRuntimeError as error:
        ctx.emit(pod, WARNING, "FailedCreatePodSandBox", f"Failed to create pod sandbox: {error}")
        raise SandboxError(str(error)) from error


async def start_sandbox(ctx: NodeContext, pod: Mapping[str, Any], *, sandbox_id: str) -> None:
    try:
        await ctx.runtime.start_container(sandbox_id)
    except ContainerRuntimeError as error:
        ctx.emit(pod, WARNING, "FailedCreatePodSandBox", f"Failed to start pod sandbox: {error}")
        await ctx.runtime.remove_container(sandbox_id)
        raise SandboxError(str(error)) from error


async def create_instance(
    ctx: NodeContext,
    pod: Mapping[str, Any],
    *,
    container: Mapping[str, Any],
    view: PodContainers,
    sandbox_id: str,
    init: bool = False,
    volumes: PodVolumes,
) -> str | Waiting:
    """Create (not start) the next instance of `container`: its id, or why it could not be."""
    name = container["name"]
    latest = view.latest(name)
    waiting = await ensure_image(ctx, pod, container=container)
    if waiting is not None:
        return waiting
    host_network = bool((pod.get("spec") or {}).get("hostNetwork"))
    builder = EnvironmentBuilder(
        ctx.client,
        pod,
        pod_ip=ctx.host_ip if host_network else (view.pod_ip or ""),
        host_ip=ctx.host_ip,
        node_allocatable=ctx.node_allocatable(),
    )
    namespace = (pod.get("metadata") or {}).get("namespace") or "default"
    links = (pod.get("spec") or {}).get("enableServiceLinks", True) is not False
    service_env = service_environment(services_for_pod(ctx.services(), namespace, enable_service_links=links))
    try:
        env = await builder.build(container, base=service_env)
    except ConfigError as error:
        ctx.emit(pod, WARNING, "Failed", f"Error: {error}")
        return Waiting("CreateContainerConfigError", str(error))
    restart_count = (latest.restart_count + 1) if latest else 0
    try:
        image_user = await ctx.runtime.image_user(container["image"])
        check_non_root(pod, container, image_user=image_user)
        # A hollow node (no root dir) sets up no volumes, so it mounts none either.
        mounts = prepare_container_mounts(container, volumes, env=env) if ctx.settings.root_dir is not None else []
        log_mount = termination_log_mount(ctx.settings.root_dir, pod, container, restart_count=restart_count)
    except (SecurityError, VolumeError, OSError) as error:
        ctx.emit(pod, WARNING, "Failed", f"Error: {error}")
        return Waiting("CreateContainerConfigError", str(error))
    config = container_config(
        pod,
        container,
        node=ctx.node_name,
        sandbox_id=sandbox_id,
        env=env,
        restart_count=restart_count,
        init=init,
        mounts=[*mounts, log_mount] if log_mount else mounts,
        security=security_options(pod, container, image_user=image_user),
        pid_container_id=_target_id(view, container),
    )
    try:
        container_id = await ctx.runtime.create_container(config)
    except ContainerRuntimeError as error:
        ctx.emit(pod, WARNING, "Failed", f"Error: {error}")
        return Waiting("CreateContainerError", str(error))
    ctx.emit(pod, NORMAL, "Created", f"Created container: {name}")
    return container_id


def _target_id(view: PodContainers, container: Mapping[str, Any]) -> str | None:
    """The running container an ephemeral container's `targetContainerName` names (its processes are shared)."""
    target = container.get("targetContainerName")
    record = view.latest(target) if target else None
    return record.id if record is not None and record.running else None


async def start_created(
    ctx: NodeContext, pod: Mapping[str, Any], *, container: Mapping[str, Any], container_id: str, view: PodContainers
) -> Waiting | None:
    """Start a created instance; the waiting reason when that failed."""
    name = container["name"]
    try:
        await ctx.runtime.start_container(container_id)
    except StartContainerError as error:
        # The runtime keeps the created container with its error: the next sync sees it as
        # "ran and failed" and restarts it under the usual back-off, as Kubernetes does.
        ctx.emit(pod, WARNING, "Failed", f"Error: {error}")
        return Waiting("RunContainerError", str(error))
    ctx.emit(pod, NORMAL, "Started", f"Started container {name}")
    post_start = (container.get("lifecycle") or {}).get("postStart")
    if post_start:
        await _run_post_start(ctx, pod, container=container, container_id=container_id, view=view, hook=post_start)
    return None


async def _run_post_start(
    ctx: NodeContext,
    pod: Mapping[str, Any],
    *,
    container: Mapping[str, Any],
    container_id: str,
    view: PodContainers,
    hook: Mapping[str, Any],
) -> None:
    records = await ctx.runtime.list_containers(node=ctx.node_name, pod_uid=(pod.get("metadata") or {}).get("uid"))
    record = next((r for r in records if r.id == container_id), None)
    if record is None:
        return
    outcome = await run_action(
        hook,
        runtime=ctx.runtime,
        record=record,
        container=container,
        pod_ip=view.pod_ip,
        timeout_seconds=POST_START_TIMEOUT_SECONDS,
    )
    if not outcome.success:
        # Kubernetes kills a container whose postStart hook failed; its restart policy decides what next.
        ctx.emit(pod, WARNING, "FailedPostStartHook", f"PostStartHook failed: {outcome.message}")
        await ctx.runtime.stop_container(container_id, timeout_seconds=0)
