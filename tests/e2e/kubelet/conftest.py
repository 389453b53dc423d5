"""A real kubelet on Docker for each test module, a namespace per test, and no container left behind.

The kubelet runs as `python -m kubelet` on a node name unique to the module and
a free loopback port, against the session's real apiserver. Whatever happens,
the finalizer removes every Docker container labelled with that node name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.e2e.kubelet.pods import delete_all_pods, node_ready, wait_until
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT

START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 15.0
NODE_LABEL = "io.kubemini.node"


def node_containers(node: str, *, all_states: bool = True) -> list[str]:
    argv = ["docker", "ps", "-q", "--no-trunc", "--filter", f"label={NODE_LABEL}={node}"]
    if all_states:
        argv.insert(2, "-a")
    return subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()


def remove_node_containers(node: str) -> None:
    """One at a time, sandboxes last: Docker 20.10 can deadlock when many sandboxes leave a network at once."""
    listing = subprocess.run(
        ["docker", "ps", "-a", "--filter", f"label={NODE_LABEL}={node}", "--format", "{{.ID}} {{.Names}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    rows = [line.split(" ", 1) for line in listing if line.strip()]
    for container_id, _name in sorted(rows, key=lambda row: row[1].startswith("k8s_POD_")):
        subprocess.run(["docker", "rm", "-f", container_id], capture_output=True)


class KubeletProcess:
    def __init__(self, server: str, log_path: Path, *extra_args: str):
        self.server = server
        self.node = f"e2e-{uuid.uuid4().hex[:8]}"
        self.port = free_port()
        self.log_path = log_path
        self.root_dir = log_path.parent / f"root-{self.node}"
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    def start(self) -> KubeletProcess:
        argv = [
            sys.executable, "-m", "kubelet", "--server", self.server, "--node-name", self.node,
            "--port", str(self.port), "--heartbeat-seconds", "2", "--root-dir", str(self.root_dir),
            *self.extra_args,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
        with api_http(base_url=self.server, timeout=5) as api:
            wait_until(
                lambda: self.alive() and node_ready(api, self.node),
                what=f"node {self.node} Ready",
                timeout=START_DEADLINE_SECONDS,
                context=self.log_tail,
            )
        return self

    def alive(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"kubelet exited with {self.process.returncode}:\n{self.log_tail()}")
        return True

    def kill(self) -> None:
        """kill -9: no cleanup at all, as after a crash."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else "(no log)"


def unmount_below(directory: Path) -> None:
    """tmpfs volumes the kubelet mounted and had no chance to unmount (killed, or the test failed)."""
    prefix = f"{directory}/"
    with open("/proc/self/mounts") as mounts:
        points = [line.split()[1] for line in mounts if line.split()[1].startswith(prefix)]
    for point in sorted(points, key=len, reverse=True):
        subprocess.run(["umount", point], capture_output=True)


def _finish(kubelet: KubeletProcess, server: str) -> None:
    kubelet.stop()
    remove_node_containers(kubelet.node)
    unmount_below(kubelet.root_dir)
    with api_http(base_url=server, timeout=5) as api:
        api.delete(f"/api/v1/nodes/{kubelet.node}")


@pytest.fixture(scope="package")
def identity_controllers(apiserver, tmp_path_factory):
    """What every namespace of a cluster gets from kube-controller-manager, which pods' service-account
    volumes need: the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap."""
    log_path = tmp_path_factory.mktemp("identity-controllers") / "controller-manager.log"
    argv = [
        sys.executable, "-m", "controller_manager", "--server", apiserver.url, "--port", "0", "--no-leader-elect",
        "--controllers", "serviceaccount,root-ca-cert-publisher",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="module")
def kubelet(apiserver, identity_controllers, tmp_path_factory):
    process = KubeletProcess(apiserver.url, tmp_path_factory.mktemp("kubelet") / "kubelet.log")
    try:
        yield process.start()
    finally:
        _finish(process, apiserver.url)


@pytest.fixture
def own_kubelet(apiserver, identity_controllers, tmp_path):
    """A kubelet only this test uses: the test may kill -9 and restart it."""
    process = KubeletProcess(apiserver.url, tmp_path / "kubelet.log")
    try:
        yield process
    finally:
        _finish(process, apiserver.url)


@pytest.fixture
def api(apiserver):
    with api_http(base_url=apiserver.url, timeout=15) as client:
        yield client


@pytest.fixture
def namespace(api, identity_controllers):
    name = f"kl-{uuid.uuid4().hex[:8]}"
    api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
    for path in ("serviceaccounts/default", "configmaps/kube-root-ca.crt"):
        wait_until(
            lambda path=path: api.get(f"/api/v1/namespaces/{name}/{path}").status_code == 200,
            what=f"{path} in {name}",
            timeout=START_DEADLINE_SECONDS,
        )
    yield name
    delete_all_pods(api, name)


@pytest.fixture
def kubectl(apiserver, tmp_path):
    return Kubectl(write_kubeconfig(tmp_path / "kubeconfig", apiserver.url))
