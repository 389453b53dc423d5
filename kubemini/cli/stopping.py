"""`kubemini down`: stop the control plane, and with `--purge` forget it entirely.

Processes stop in reverse start order (the apiserver before etcd, so no
request is cut off mid-write by a vanished store). Pid files in the run
directory that the component table does not name (left by a newer or older
kubemini) are stopped too, last. `--purge` then runs kube-proxy's own `--cleanup` (kernel rules and
route a killed kube-proxy left), removes every container the
kubelet labelled as managed (skipped with a note when there is no engine) and
the whole data directory. Node containers of `up --nodes N` go at every `down`, with their
engines' volumes and network, and so do the routes and VXLAN device this machine's kubelet made
for them (`python -m kubelet --cleanup-pod-network`); their Node objects stay with the data.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from kubemini.cli.components import COMPONENTS, pod_network_name
from kubemini.cli.docker_engine import DockerUnreachableError, remove_managed_containers, remove_network_if_unused
from kubemini.cli.layout import ClusterHome
from kubemini.cli.nodes.containers import NodeContainerError
from kubemini.cli.nodes.simulation import stop_node_machines
from kubemini.cli.pidfiles import read_pid_file, remove_pid_file
from kubemini.cli.processes import StopOutcome, stop_process
from kubemini.cli.settings import ClusterSettings, load_settings
from kubemini.cli.starting import child_environment

CLEANUP_TIMEOUT_SECONDS = 60


def stop_order(home: ClusterHome) -> list[str]:
    known = [component.name for component in reversed(COMPONENTS)]
    found = sorted(path.stem for path in home.run_dir.glob("*.pid")) if home.run_dir.is_dir() else []
    return [name for name in known if name in found] + [name for name in found if name not in known]


def refuse_to_purge(root: Path) -> str | None:
    """Why `root` must not be removed, if it looks like more than a kubemini data dir."""
    if root == Path(root.anchor) or root == Path.home().resolve():
        return f"refusing to remove {root}: set KUBEMINI_HOME to a directory of its own"
    return None


def stop_all(home: ClusterHome, *, timeout_seconds: float, out: TextIO) -> bool:
    """Stop every process with a pid file; False when one would not stop."""
    all_stopped = True
    for name in stop_order(home):
        pid_path = home.pid_path(name)
        record = read_pid_file(pid_path)
        if record is None:
            remove_pid_file(pid_path)
            continue
        try:
            outcome = stop_process(record, timeout_seconds=timeout_seconds)
        except (RuntimeError, PermissionError) as error:
            print(f"  {name:<20} could not be stopped: {error}", file=out)
            all_stopped = False
            continue
        remove_pid_file(pid_path)
        if outcome is StopOutcome.NOT_RUNNING:
            print(f"  {name:<20} was not running", file=out)
        else:
            print(f"  {name:<20} pid {record.pid} {outcome.value}", file=out)
    return all_stopped


def run_component_cleanup(what: str, argv: list[str], out: TextIO) -> None:
    """Run a component's own cleanup command; a failure is reported, never raised (`down` goes on)."""
    try:
        result = subprocess.run(
            argv, env=child_environment(), capture_output=True, text=True, timeout=CLEANUP_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"  {what} cleanup did not run ({error})", file=out)
        return
    if result.returncode != 0:
        print(f"  {what} cleanup failed: {result.stderr.strip()[-300:]}", file=out)


def remove_proxy_rules(out: TextIO) -> None:
    """What a killed kube-proxy leaves (its kernel rules, the Service range's route): its own
    `--cleanup`, for the range `up` gives it. A stopped one removed them itself."""
    run_component_cleanup("kube-proxy", [sys.executable, "-m", "kube_proxy", "--cleanup"], out)


def remove_pod_network(out: TextIO) -> None:
    """Routes to other nodes' pod CIDRs, the VXLAN device and the pod network's rules the kubelet made."""
    run_component_cleanup("pod network", [sys.executable, "-m", "kubelet", "--cleanup-pod-network"], out)


def bring_down(
    home: ClusterHome,
    *,
    purge: bool,
    timeout_seconds: float,
    out: TextIO,
    clean_proxy: Callable[[TextIO], None] = remove_proxy_rules,
    clean_pod_network: Callable[[TextIO], None] = remove_pod_network,
) -> int:
    exists = home.root.exists()
    all_stopped = stop_all(home, timeout_seconds=timeout_seconds, out=out) if exists else True
    settings = load_settings(home.settings_path) or ClusterSettings()
    try:
        stop_node_machines(settings, out)
    except (OSError, subprocess.SubprocessError, NodeContainerError) as error:
        print(f"  node containers not removed ({error})", file=out)
    if all_stopped:
        clean_pod_network(out)
    if not purge:
        print(
            f"kubemini is down; data kept in {home.root}" if exists else f"nothing to stop in {home.root}",
            file=out,
        )
        return 0 if all_stopped else 1
    # Containers are removed even without a data dir: a kubelet may have left
    # some behind after its data dir was deleted by hand.
    try:
        removed = remove_managed_containers(settings.node_name)
        print(f"  removed {removed} managed container(s)", file=out)
        if remove_network_if_unused(pod_network_name(settings)):
            print(f"  removed the pod network {pod_network_name(settings)}", file=out)
    except DockerUnreachableError as error:
        print(f"  Docker engine not reachable, no containers removed ({error})", file=out)
    if all_stopped:
        clean_proxy(out)
    if not exists:
        print(f"kubemini is down; {home.root} did not exist", file=out)
        return 0
    reason = refuse_to_purge(home.root)
    if reason is not None:
        print(f"error: {reason}", file=out)
        return 1
    if not all_stopped:
        print(f"error: some processes still run; {home.root} is kept", file=out)
        return 1
    shutil.rmtree(home.root, ignore_errors=True)
    print(f"kubemini is down; removed {home.root}", file=out)
    return 0
