"""Docker swarm as a baseline for bench/rollout.py: one N-replica service, timed until every task runs.

    engine already in a swarm? ──► skipped with the reason (someone else's swarm is left alone)
    docker swarm init --advertise-addr A --listen-addr A:<free port>
        A = 127.0.0.1; when the engine refuses loopback, the docker0 bridge's address (this
        engine's own, local only). The manager port listens on A alone, never on every address.
    docker events (container starts of this service) ──┐
    docker service create --detach --no-resolve-image  │  timer from here
        --replicas N <image ID> sleep 3600             │  until the N-th container start,
    ◄──────────────────────────────────────────────────┘  then until `docker service ps`
                                                          shows N tasks Running (the figure)
    finally: docker service rm, its containers gone, docker swarm leave --force, and the
             docker_gwbridge network swarm made (Docker keeps it after leaving) removed

The service names the image by its ID: swarm's executor pulls a tag before every task start
(to refresh mutable tags) but never an image given by ID, so nothing goes to a registry.
Swarm's ingress overlay network and docker_gwbridge are local to this engine; with one
node and no published port no packet leaves the machine.
"""

from __future__ import annotations

import contextlib
import subprocess
import threading
import time
from dataclasses import dataclass, field

from tests.support.ports import free_port

SERVICE_DEADLINE_SECONDS = 120.0
LOOPBACK = "127.0.0.1"
GWBRIDGE = "docker_gwbridge"


def _docker(*args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["docker", *args], check=check, capture_output=True, text=True, timeout=timeout)


@dataclass
class SwarmResult:
    seconds: float | None = None  # service create → N tasks Running; None: not measured
    started_seconds: float | None = None  # service create → N-th container start event
    address: str = ""
    note: str = ""
    task_errors: list[str] = field(default_factory=list)


def swarm_state() -> str:
    return _docker("info", "--format", "{{.Swarm.LocalNodeState}}").stdout.strip()


def docker0_address() -> str | None:
    """The default bridge's gateway: an address of this machine that only its containers reach."""
    found = _docker("network", "inspect", "bridge", "--format", "{{range .IPAM.Config}}{{.Gateway}}{{end}}")
    return found.stdout.strip() or None


def init_swarm() -> tuple[str, str]:
    """(address used, why loopback was not) after `docker swarm init`; raises when no address works."""
    refusals = []
    for address in (LOOPBACK, docker0_address()):
        if not address:
            continue
        listen = f"{address}:{free_port()}"
        done = _docker("swarm", "init", "--advertise-addr", address, "--listen-addr", listen, check=False)
        if done.returncode == 0:
            return address, "; ".join(refusals)
        refusals.append(f"{address} refused: {done.stderr.strip()}")
    raise RuntimeError("docker swarm init failed: " + "; ".join(refusals))


def _wait_for_starts(events: subprocess.Popen[str], count: int) -> float:
    """perf_counter() when the count-th container start of the service was reported."""
    started = 0
    assert events.stdout is not None
    for line in events.stdout:
        if line.strip() == "start":
            started += 1
            if started >= count:
                return time.perf_counter()
    raise RuntimeError(f"docker events ended after {started} of {count} container starts")


def run_service(name: str, replicas: int, *, image_id: str, label: str, command: list[str]) -> tuple[float, float]:
    """Seconds from `docker service create` to the replicas-th container start, and to N tasks Running."""
    events = subprocess.Popen(
        ["docker", "events", "--format", "{{.Action}}", "--filter", "type=container", "--filter", "event=start",
         "--filter", f"label=com.docker.swarm.service.name={name}"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )  # fmt: skip
    try:
        time.sleep(0.2)  # the events stream is subscribed before the service exists
        started = time.perf_counter()
        _docker("service", "create", "--detach", "--no-resolve-image", "--name", name, "--replicas", str(replicas),
                "--container-label", label, "--stop-grace-period", "0s", image_id, *command)  # fmt: skip
        timer = _deadline_kill(events, SERVICE_DEADLINE_SECONDS)
        try:
            containers = _wait_for_starts(events, replicas) - started
        finally:
            timer.cancel()
        deadline = time.monotonic() + SERVICE_DEADLINE_SECONDS
        while len(running_tasks(name)) < replicas:  # the swarm's own view lags the engine's a little
            if time.monotonic() > deadline:
                raise RuntimeError(f"fewer than {replicas} tasks Running after {SERVICE_DEADLINE_SECONDS}s")
        return containers, time.perf_counter() - started
    finally:
        events.kill()
        events.wait()


def _deadline_kill(process: subprocess.Popen[str], seconds: float) -> threading.Timer:
    timer = threading.Timer(seconds, process.kill)
    timer.daemon = True
    timer.start()
    return timer


def running_tasks(name: str) -> list[str]:
    states = _docker("service", "ps", name, "--filter", "desired-state=running", "--format", "{{.CurrentState}}")
    return [line for line in states.stdout.splitlines() if line.startswith("Running")]


def task_errors(name: str) -> list[str]:
    found = _docker("service", "ps", name, "--no-trunc", "--format", "{{.Error}}", check=False).stdout
    return sorted({line for line in found.splitlines() if line.strip()})


def remove_service(name: str) -> None:
    _docker("service", "rm", name, check=False)
    deadline = time.monotonic() + SERVICE_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        left = _docker("ps", "-aq", "--filter", f"label=com.docker.swarm.service.name={name}", check=False).stdout
        if not left.split():
            return
        time.sleep(0.2)


def measure_swarm(replicas: int, *, image: str, run_id: str, label: str, command: list[str]) -> SwarmResult:
    """The swarm baseline, the engine left out of swarm mode afterwards whatever happened."""
    state = swarm_state()
    if state != "inactive":
        return SwarmResult(note=f"skipped: this engine is already in a swarm (state {state!r}); not touching it")
    image_id = _docker("image", "inspect", "--format", "{{.Id}}", image).stdout.strip()
    had_gwbridge = _docker("network", "inspect", GWBRIDGE, check=False).returncode == 0
    name = f"kubemini-bench-{run_id}"
    result = SwarmResult()
    try:
        try:
            result.address, result.note = init_swarm()
        except RuntimeError as error:
            result.note = str(error)
            return result
        try:
            result.started_seconds, result.seconds = run_service(
                name, replicas, image_id=image_id, label=label, command=command
            )
        except (RuntimeError, subprocess.SubprocessError) as error:
            result.note = f"failed: {error}"
            result.task_errors = task_errors(name)
        finally:
            remove_service(name)
    finally:
        with contextlib.suppress(subprocess.SubprocessError):
            _docker("swarm", "leave", "--force", check=False)
            if not had_gwbridge:
                _docker("network", "rm", GWBRIDGE, check=False)
    return result
