"""Node containers: the simulated machines of `kubemini up --nodes N`, on the host's Docker engine.

    ensure_node_network(cluster) ──► Docker network `<cluster>-nodes` (Docker picks the subnet) → its gateway,
                                     the host's address on it (the apiserver is advertised there)
    run_node_container(spec)     ──► `docker run --init` of kubemini/node:dev with near-full privileges,
                                     a volume for its own Docker engine's data
    wait_for_engine(name)        ──► its dockerd answers
    load_images(name, images)    ──► `docker save | docker exec -i <node> docker load` (no registry here)
    exec_in_node(name, argv)     ──► a command inside (`kubemini join ...`)
    remove_node_containers(cluster) ──► containers, their volumes and the network gone

Everything the host engine holds for a cluster carries the label `io.kubemini.cluster=<cluster>`.
`--privileged` is not used: this kind of machine's own capability set lacks CAP_SYS_RESOURCE, and
Docker refuses a privileged container then; every other capability, unconfined seccomp/AppArmor
and the host's cgroup tree give the nested engine what it needs.
"""

from __future__ import annotations

import json
import subprocess
import time
from dataclasses import dataclass

NODE_IMAGE = "kubemini/node:dev"
CLUSTER_LABEL = "io.kubemini.cluster"
ROLE_LABEL = "io.kubemini.role=node"
ENGINE_DEADLINE_SECONDS = 90.0
DOCKER_TIMEOUT_SECONDS = 120
# The images every node needs and no registry can give it: the pause image and the workload images.
NODE_IMAGES = ("kubemini/pause:3.9", "kubemini/busybox:1.35", "kubemini/busybox:1.35-v2")


class NodeContainerError(RuntimeError):
    pass


@dataclass(frozen=True)
class NodeContainerSpec:
    cluster: str
    name: str  # container name, hostname and Node name
    network: str
    image: str = NODE_IMAGE

    @property
    def volume(self) -> str:
        return f"{self.name}-docker"


def network_name(cluster: str) -> str:
    return f"{cluster}-nodes"


def docker_run_argv(spec: NodeContainerSpec) -> list[str]:
    """The `docker run` of one node container (pure, so the privileges asked for are testable)."""
    return [
        "docker", "run", "--detach", "--init",
        "--name", spec.name, "--hostname", spec.name,
        "--label", f"{CLUSTER_LABEL}={spec.cluster}", "--label", ROLE_LABEL,
        "--network", spec.network,
        "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
        "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
        "--security-opt", "systempaths=unconfined",
        "--device-cgroup-rule", "a *:* rwm",
        "--volume", "/sys/fs/cgroup:/sys/fs/cgroup",
        "--volume", "/lib/modules:/lib/modules:ro",
        "--volume", f"{spec.volume}:/var/lib/docker",
        "--tmpfs", "/run", "--tmpfs", "/tmp",
        spec.image,
    ]  # fmt: skip


def _docker(*args: str, input: bytes | None = None, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    result = subprocess.run(["docker", *args], input=input, capture_output=True, timeout=DOCKER_TIMEOUT_SECONDS)
    if check and result.returncode != 0:
        raise NodeContainerError(f"docker {' '.join(args[:3])}: {result.stderr.decode(errors='replace').strip()}")
    return result


def ensure_node_network(cluster: str) -> str:
    """The host's (gateway) address on the cluster's node network, created when missing."""
    name = network_name(cluster)
    if _docker("network", "inspect", name, check=False).returncode != 0:
        _docker("network", "create", "--label", f"{CLUSTER_LABEL}={cluster}", name)
    document = json.loads(_docker("network", "inspect", name).stdout)[0]
    configs = document.get("IPAM", {}).get("Config") or []
    for config in configs:
        if config.get("Gateway"):
            return config["Gateway"]
    raise NodeContainerError(f"Docker network {name} has no IPv4 gateway: {configs}")


def container_address(name: str, network: str) -> str:
    document = json.loads(_docker("container", "inspect", name).stdout)[0]
    return document["NetworkSettings"]["Networks"][network]["IPAddress"]


def container_running(name: str) -> bool:
    result = _docker("container", "inspect", "-f", "{{.State.Running}}", name, check=False)
    return result.returncode == 0 and result.stdout.strip() == b"true"


def run_node_container(spec: NodeContainerSpec) -> None:
    """Start the node container; an existing one (a cluster coming back up) is started again."""
    if _docker("container", "inspect", spec.name, check=False).returncode == 0:
        if not container_running(spec.name):
            _docker("start", spec.name)
        return
    if _docker("image", "inspect", spec.image, check=False).returncode != 0:
        raise NodeContainerError(f"image {spec.image} is missing; build it: deploy/images/build_node_image.sh")
    run = subprocess.run(docker_run_argv(spec), capture_output=True, timeout=DOCKER_TIMEOUT_SECONDS, check=False)
    if not container_running(spec.name):
        logs = _docker("logs", "--tail", "20", spec.name, check=False)
        said = (run.stderr + logs.stdout + logs.stderr).decode(errors="replace").strip()
        raise NodeContainerError(f"node container {spec.name} did not start: {said}")


def wait_for_engine(name: str, *, deadline_seconds: float = ENGINE_DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if _docker("exec", name, "docker", "info", "--format", "{{.ServerVersion}}", check=False).returncode == 0:
            return
        if not container_running(name):
            break
        time.sleep(0.5)
    logs = _docker("logs", "--tail", "20", name, check=False)
    raise NodeContainerError(
        f"the Docker engine in {name} did not answer: {(logs.stdout + logs.stderr).decode(errors='replace')}"
    )


def load_images(name: str, images: tuple[str, ...] = NODE_IMAGES) -> None:
    """Copy images from the host engine into the node's: they cannot be pulled by anyone here."""
    present = [image for image in images if _docker("image", "inspect", image, check=False).returncode == 0]
    if not present:
        return
    saved = subprocess.run(["docker", "save", *present], capture_output=True, timeout=DOCKER_TIMEOUT_SECONDS)
    if saved.returncode != 0:
        raise NodeContainerError(f"docker save: {saved.stderr.decode(errors='replace')}")
    _docker("exec", "-i", name, "docker", "load", "--quiet", input=saved.stdout)


def exec_in_node(name: str, argv: list[str]) -> str:
    """Run a command in the node container; its output, or NodeContainerError with it."""
    result = _docker("exec", name, *argv, check=False)
    output = (result.stdout + result.stderr).decode(errors="replace")
    if result.returncode != 0:
        raise NodeContainerError(f"{' '.join(argv[:2])} in {name} exited {result.returncode}:\n{output}")
    return output


def node_container_names(cluster: str) -> list[str]:
    result = _docker(
        "ps", "--all", "--filter", f"label={CLUSTER_LABEL}={cluster}", "--filter", f"label={ROLE_LABEL}",
        "--format", "{{.Names}}", check=False,
    )  # fmt: skip
    return sorted(line for line in result.stdout.decode().split() if line)


def remove_node_container(name: str) -> bool:
    """Remove one node container (only one kubemini made) and its engine's volume; whether there was one."""
    result = _docker("container", "inspect", "-f", '{{ index .Config.Labels "io.kubemini.role" }}', name, check=False)
    if result.returncode != 0 or result.stdout.strip() != b"node":
        return False
    _docker("rm", "--force", "--volumes", name, check=False)
    _docker("volume", "rm", "--force", f"{name}-docker", check=False)
    return True


def remove_node_containers(cluster: str) -> list[str]:
    """Remove the cluster's node containers, their engines' volumes and the node network; the names removed."""
    names = node_container_names(cluster)
    for name in names:
        remove_node_container(name)
    if _docker("network", "inspect", network_name(cluster), check=False).returncode == 0:
        _docker("network", "rm", network_name(cluster), check=False)
    return names
