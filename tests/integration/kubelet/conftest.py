"""A hollow-node kubelet process (`--runtime fake`) against the session's real apiserver."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT

HOLLOW_NODES = 3
START_DEADLINE_SECONDS = 30.0


@dataclass
class HollowKubelet:
    process: subprocess.Popen
    names: list[str]
    port: int
    log_path: Path

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


def wait_until(predicate, *, what: str, timeout: float = 20.0, interval: float = 0.1, context=lambda: ""):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {last!r}\n{context()}")


@pytest.fixture(scope="module")
def hollow(apiserver, tmp_path_factory):
    prefix = f"hollow-{uuid.uuid4().hex[:6]}-"
    port = free_port()
    log_path = tmp_path_factory.mktemp("hollow") / "kubelet.log"
    argv = [
        sys.executable, "-m", "kubelet", "--server", apiserver.url, "--runtime", "fake",
        "--nodes", str(HOLLOW_NODES), "--node-name-prefix", prefix, "--port", str(port),
        "--heartbeat-seconds", "1",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log_path, "ab") as log:
        process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env)
    kubelet = HollowKubelet(process, [f"{prefix}{i}" for i in range(HOLLOW_NODES)], port, log_path)

    def healthy() -> bool:
        if process.poll() is not None:
            pytest.fail(f"hollow kubelet exited with {process.returncode}:\n{kubelet.log_tail()}")
        try:
            return httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, what="hollow kubelet /healthz", timeout=START_DEADLINE_SECONDS, context=kubelet.log_tail)
    yield kubelet
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    with api_http(base_url=apiserver.url) as api:
        for name in kubelet.names:
            api.delete(f"/api/v1/nodes/{name}")
