"""A `kubemini up` cluster for e2e tests: the installed console script in a subprocess, with its data
dir and HOME in a temporary directory and the apiserver's and etcd's ports picked free, so a test
never touches a developer's cluster or ~/.kube/config.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kubemini.cli.pidfiles import ProcessRecord, read_pid_file
from tests.support.ports import free_ports

REPO_ROOT = Path(__file__).resolve().parents[2]
KUBEMINI = REPO_ROOT / ".venv" / "bin" / "kubemini"
KUBECTL = Path(os.environ.get("KUBEMINI_KUBECTL") or REPO_ROOT / ".cache" / "bin" / "kubectl")
COMMAND_TIMEOUT_SECONDS = 120
NAMESPACES_DEADLINE_SECONDS = 15.0
WEB_NODE_PORT = 30080  # examples/web.yaml


@dataclass
class LocalCluster:
    home: Path
    user_home: Path
    env: dict[str, str]
    apiserver_port: int
    etcd_port: int
    etcd_peer_port: int
    node_name: str
    up_output: str = ""

    @property
    def ports(self) -> list[int]:
        return [self.apiserver_port, self.etcd_port, self.etcd_peer_port]

    def port_flags(self) -> list[str]:
        return ["--port", str(self.apiserver_port), "--etcd-port", str(self.etcd_port),
                "--etcd-peer-port", str(self.etcd_peer_port)]  # fmt: skip

    def kubemini(self, *args: str, timeout: float = COMMAND_TIMEOUT_SECONDS) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBEMINI), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def kubectl(self, *args: str, input: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(KUBECTL), "--kubeconfig", str(self.home / "kubeconfig"), *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT_SECONDS,
            input=input,
        )

    def pid_records(self) -> dict[str, ProcessRecord]:
        records = {}
        for path in (self.home / "run").glob("*.pid"):
            record = read_pid_file(path)
            if record is not None:
                records[path.stem] = record
        return records


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"{result.args} exited {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


@contextlib.contextmanager
def local_cluster(directory: Path, *, name: str, extra_env: dict[str, str] | None = None) -> Iterator[LocalCluster]:
    """A cluster home in `directory`; `down --purge` runs at the end whatever happened."""
    tmp_path = directory
    assert KUBEMINI.exists(), f"{KUBEMINI} missing: run deploy/setup_host.sh"
    assert KUBECTL.exists(), f"{KUBECTL} missing: run deploy/setup_host.sh"
    user_home = tmp_path / "user-home"
    user_home.mkdir()
    env = dict(os.environ)
    env.pop("KUBECONFIG", None)
    node_name = f"{name}-{os.getpid()}"
    env.update(KUBEMINI_HOME=str(tmp_path / "kubemini-home"), HOME=str(user_home), KUBEMINI_NODE_NAME=node_name)
    env.update(extra_env or {})
    apiserver_port, etcd_port, etcd_peer_port = free_ports(3)
    local = LocalCluster(
        tmp_path / "kubemini-home", user_home, env, apiserver_port, etcd_port, etcd_peer_port, node_name
    )
    try:
        yield local
    finally:
        local.kubemini("down", "--purge")


def wait_until(check, *, what: str, deadline_seconds: float = 120.0):
    deadline = time.monotonic() + deadline_seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(1.0)
    raise AssertionError(f"timed out waiting for {what}; last seen: {last!r}")
