"""`kubemini up`: start the control plane, one healthy component after another.

Flow: resolve ports (flags > last run > defaults) → check the Docker engine
(a warning unless an installed component needs it) → write the kubeconfig
(later components read it) → for each installed component in table order:
skip it if its pid file names a live process, refuse if its port is taken by
someone else, else spawn it detached, record its pid, wait for its health
endpoint → write ~/.kube/config if that is safe → print how to use it.

Components started before a failure keep running: `up` can be run again once
the cause is fixed, and `down` stops them.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import time
from pathlib import Path
from typing import TextIO

import kubemini
from kubemini.api.bootstrap_tokens import TokenError
from kubemini.cli.components import Component, MissingComponentError, installed_components
from kubemini.cli.credentials import prepare_credentials
from kubemini.cli.docker_engine import DOCKER_FIX, docker_engine_problem
from kubemini.cli.kubeconfig import install_user_kubeconfig
from kubemini.cli.layout import ClusterHome
from kubemini.cli.nodes.containers import NodeContainerError, ensure_node_network
from kubemini.cli.nodes.simulation import cluster_id, start_node_machines
from kubemini.cli.pidfiles import is_running, read_pid_file, record_for, remove_pid_file, write_pid_file
from kubemini.cli.probing import NotHealthyError, port_accepts_connections, wait_until_healthy
from kubemini.cli.processes import read_log_tail, spawn_detached, stop_process
from kubemini.cli.settings import ClusterSettings, load_settings, save_settings
from kubemini.cli.tokens import issue_join_token
from kubemini.join.discovery import ca_cert_hash

LOG_TAIL_LINES = 30
FAILED_START_STOP_SECONDS = 5.0
KUBECTL_ENV = "KUBEMINI_KUBECTL"


class StartupError(RuntimeError):
    pass


def join_other_machines(home: ClusterHome, settings: ClusterSettings, *, out: TextIO) -> str:
    """Start and join the node containers (`--nodes N`); the join command line to print for other machines
    (a hint when none can reach this one)."""
    if not settings.advertise_address:
        return "  more machines: `kubemini up --advertise-address <this machine's address>`, then `kubemini join`\n"
    token = issue_join_token(home, description="kubemini up")
    ca_hash = ca_cert_hash((home.pki_dir / "ca.crt").read_bytes())
    start_node_machines(settings, token=token, ca_cert_hash=ca_hash, out=out)
    return (
        f"  join:       kubemini join --server {settings.advertised_server_url} --token {token} "
        f"--ca-cert-hash {ca_hash}\n"
    )


def running_components(home: ClusterHome) -> list[str]:
    names = []
    for pid_path in sorted(home.run_dir.glob("*.pid")):
        record = read_pid_file(pid_path)
        if record is not None and is_running(record):
            names.append(pid_path.stem)
    return names


def resolve_settings(
    home: ClusterHome, overrides: dict[str, int], machine_overrides: dict[str, object] | None = None
) -> ClusterSettings:
    saved = load_settings(home.settings_path)
    settings = (saved or ClusterSettings()).with_ports(overrides)
    chosen = {name: value for name, value in (machine_overrides or {}).items() if value is not None}
    settings = dataclasses.replace(settings, **chosen)
    running = running_components(home)
    if saved is not None and running and settings != saved:
        changed = {name: port for name, port in settings.ports.items() if saved.ports.get(name) != port}
        was = {name: saved.ports.get(name) for name in changed}
        if not changed:
            changed = {k: v for k, v in dataclasses.asdict(settings).items() if dataclasses.asdict(saved)[k] != v}
            was = {k: dataclasses.asdict(saved)[k] for k in changed}
        raise StartupError(
            f"{', '.join(running)} already running in {home.root} with {was}, not {changed}; "
            "run `kubemini down` before changing them"
        )
    return settings


def child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    # Logs must reach the file as they are written, not when a buffer fills.
    environment["PYTHONUNBUFFERED"] = "1"
    # Components import from this source tree even when the CLI runs from a
    # checkout that is not pip-installed; a PYTHONPATH the user set keeps
    # precedence (that is how a stand-in component is tried out).
    source_root = str(Path(kubemini.__file__).resolve().parent.parent)
    existing = environment.get("PYTHONPATH")
    environment["PYTHONPATH"] = f"{existing}{os.pathsep}{source_root}" if existing else source_root
    return environment


def start_component(
    component: Component,
    *,
    home: ClusterHome,
    settings: ClusterSettings,
    deadline_seconds: float,
    out: TextIO,
) -> None:
    pid_path = home.pid_path(component.name)
    health_url = component.health_url(settings)
    existing = read_pid_file(pid_path)
    if existing is not None and is_running(existing):
        waited = _wait_or_fail(component, home, health_url, deadline_seconds, process=None)
        print(f"  {component.name:<20} already running, pid {existing.pid} (healthy in {waited:.1f}s)", file=out)
        return
    for port_name in component.port_names:
        port = settings.port(port_name)
        if port_accepts_connections(settings.bind_address, port):
            raise StartupError(
                f"{component.name}: port {port} ({port_name}) is already in use by another process; "
                "stop it or choose another port (--port, --etcd-port, --etcd-peer-port, --component-port)"
            )
    argv = component.build_argv(settings, home)
    process = spawn_detached(argv, log_path=home.log_path(component.name), cwd=home.root, env=child_environment())
    record = record_for(process.pid)
    write_pid_file(pid_path, record)
    try:
        waited = _wait_or_fail(component, home, health_url, deadline_seconds, process=process)
    except StartupError:
        # A half-started server would hold its port and confuse the next `up`.
        stop_process(record, timeout_seconds=FAILED_START_STOP_SECONDS)
        process.wait()
        remove_pid_file(pid_path)
        raise
    print(f"  {component.name:<20} pid {process.pid:<8} healthy in {waited:.1f}s", file=out)


def _wait_or_fail(
    component: Component,
    home: ClusterHome,
    health_url: str,
    deadline_seconds: float,
    *,
    process: subprocess.Popen[bytes] | None,
) -> float:
    try:
        return wait_until_healthy(health_url, deadline_seconds=deadline_seconds, process=process)
    except NotHealthyError as error:
        log_path = home.log_path(component.name)
        tail = read_log_tail(log_path, lines=LOG_TAIL_LINES)
        raise StartupError(f"{component.name}: {error}\n--- last lines of {log_path} ---\n{tail}") from error


def warn_or_fail_on_docker(components: list[Component], out: TextIO) -> None:
    problem = docker_engine_problem()
    if problem is None:
        return
    needing = [component.name for component in components if component.needs_docker]
    message = f"the Docker engine is not reachable ({problem}). Fix: {DOCKER_FIX}"
    if needing:
        raise StartupError(f"{', '.join(needing)} cannot run: {message}")
    print(f"warning: {message}", file=out)
    print("         no component started now needs it, but pods will not run until it is up", file=out)


def bring_up(
    home: ClusterHome,
    *,
    port_overrides: dict[str, int],
    deadline_seconds: float,
    user_kubeconfig: Path | None,
    out: TextIO,
    machine_overrides: dict[str, object] | None = None,
) -> int:
    started = time.monotonic()
    try:
        components = installed_components()
        settings = resolve_settings(home, port_overrides, machine_overrides)
        warn_or_fail_on_docker(components, out)
        home.create()
        save_settings(home.settings_path, settings)
        if settings.nodes > 1:
            # The node containers' network; without an address given, they reach this machine at its address
            # there (the network is made anew after a `down`, so that address is looked up at every `up`).
            gateway = ensure_node_network(cluster_id(settings))
            if not settings.advertise_address:
                settings = dataclasses.replace(settings, advertise_address=gateway)
        kubeconfig, _ = prepare_credentials(home, settings, components)
        print(f"starting kubemini in {home.root}", file=out)
        for component in components:
            start_component(component, home=home, settings=settings, deadline_seconds=deadline_seconds, out=out)
        join_line = join_other_machines(home, settings, out=out)
    except (StartupError, MissingComponentError, NodeContainerError, TokenError) as error:
        print(f"error: {error}", file=out)
        print(
            f"what started before this keeps running; `kubemini down` stops it (logs: {home.logs_dir})",
            file=out,
        )
        return 1
    user_note = ""
    if user_kubeconfig is not None:
        outcome = install_user_kubeconfig(user_kubeconfig, kubeconfig)
        user_note = f"\n  {user_kubeconfig}: {outcome.value}"
    kubectl = os.environ.get(KUBECTL_ENV) or "kubectl"
    elapsed = time.monotonic() - started
    has_dashboard = any(c.name == "dashboard" for c in components)
    dashboard_line = f"  dashboard:  {settings.dashboard_url} (log in with a bearer token)\n" if has_dashboard else ""
    print(
        f"kubemini is up ({elapsed:.1f}s)\n"
        f"  server:     {settings.server_url}\n"
        f"{dashboard_line}"
        f"  kubeconfig: {home.kubeconfig_path}{user_note}\n"
        f"{join_line}"
        f"  logs:       {home.logs_dir}\n"
        f"try:\n  export KUBECONFIG={home.kubeconfig_path}; {kubectl} get nodes",
        file=out,
    )
    return 0
