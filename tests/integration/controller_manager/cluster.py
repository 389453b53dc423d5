"""A controller manager and hollow nodes as real processes, plus the helpers tests drive them with.

ControllerManager(url).start()  ──► `python -m controller_manager` on a free port, waits for /healthz
                                    and for the leader gauge (controllers running)
HollowNodes(url, names).start() ──► hollow_nodes.py, waits until every node is Ready
Api(url)                        ──► httpx with create/get/patch/list helpers and `wait_for` (deadline,
                                    message saying what was expected and what was last seen)
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT

START_DEADLINE_SECONDS = 30.0
STOP_DEADLINE_SECONDS = 10.0
POLL_SECONDS = 0.05


def terminate(process: subprocess.Popen | None, *, kill: bool = False) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    try:
        process.wait(STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def spawn(argv: list[str], log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log_path, "ab") as log:
        return subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
        )


def log_tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:] if path.exists() else "(no log)"


@dataclass
class ControllerManager:
    server: str
    log_path: Path
    extra_args: tuple[str, ...] = ()
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, wait_leading: bool = True) -> ControllerManager:
        argv = [sys.executable, "-m", "controller_manager", "--server", self.server, "--port", str(self.port)]
        self.process = spawn([*argv, *self.extra_args], self.log_path)
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"controller manager exited {self.process.returncode}:\n{log_tail(self.log_path)}")
            if self.healthy() and (not wait_leading or self.leading()):
                return self
            time.sleep(POLL_SECONDS)
        terminate(self.process)  # a test that fails here never reaches its stop()
        raise RuntimeError(f"controller manager not up within {START_DEADLINE_SECONDS}s:\n{log_tail(self.log_path)}")

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", timeout=5).text

    def leading(self) -> bool:
        try:
            return "controller_manager_leader 1.0" in self.metrics()
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        terminate(self.process)


@dataclass
class Scheduler:
    """The real `python -m scheduler` (no leader election: one per test cluster)."""

    server: str
    log_path: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> Scheduler:
        argv = [sys.executable, "-m", "scheduler", "--server", self.server, "--port", str(self.port)]
        self.process = spawn([*argv, "--no-leader-elect"], self.log_path)
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"scheduler exited {self.process.returncode}:\n{log_tail(self.log_path)}")
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(POLL_SECONDS)
        raise RuntimeError(f"scheduler not up within {START_DEADLINE_SECONDS}s:\n{log_tail(self.log_path)}")

    def stop(self) -> None:
        terminate(self.process)


@dataclass
class HollowNodes:
    """`python -m kubelet --runtime fake`: `count` hollow nodes `<prefix>0..` in one process."""

    server: str
    prefix: str
    count: int
    log_path: Path
    heartbeat_seconds: float = 0.5
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None

    @property
    def names(self) -> list[str]:
        return [f"{self.prefix}{index}" for index in range(self.count)]

    def start(self) -> HollowNodes:
        argv = [
            sys.executable, "-m", "kubelet", "--runtime", "fake", "--server", self.server, "--port", "0",
            "--nodes", str(self.count), "--node-name-prefix", self.prefix,
            "--heartbeat-seconds", str(self.heartbeat_seconds), "--resync-seconds", "2",
            "--parallel-pod-starts", "16", *self.extra_args,
        ]  # fmt: skip
        self.process = spawn(argv, self.log_path)
        api = Api(self.server)
        try:
            api.wait_for(
                lambda: (
                    self.process.poll() is None
                    and all(_node_ready(api.get_or_none(f"/api/v1/nodes/{name}")) for name in self.names)
                ),
                what=f"hollow nodes {self.names} Ready",
                timeout=START_DEADLINE_SECONDS,
                seen=lambda: log_tail(self.log_path),
            )
        finally:
            api.close()
        return self

    def kill(self) -> None:
        """The nodes die: no SIGTERM courtesy, their Leases simply stop."""
        terminate(self.process, kill=True)

    def stop(self) -> None:
        terminate(self.process)


def _node_ready(node: dict | None) -> bool:
    conditions = ((node or {}).get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


class Api:
    def __init__(self, url: str):
        self.url = url
        self.http = api_http(base_url=url, timeout=30)

    def close(self) -> None:
        self.http.close()

    def _check(self, response: httpx.Response) -> dict:
        assert response.is_success, (
            f"{response.request.method} {response.request.url}: {response.status_code} {response.text}"
        )
        return response.json()

    def create(self, path: str, body: dict) -> dict:
        return self._check(self.http.post(path, json=body))

    def get(self, path: str, **params: Any) -> dict:
        return self._check(self.http.get(path, params=params))

    def get_or_none(self, path: str) -> dict | None:
        response = self.http.get(path)
        return None if response.status_code == 404 else self._check(response)

    def merge_patch(self, path: str, body: dict) -> dict:
        headers = {"Content-Type": "application/merge-patch+json"}
        return self._check(self.http.patch(path, json=body, headers=headers))

    def delete(self, path: str, **options: Any) -> dict:
        return self._check(
            self.http.request("DELETE", path, json={"kind": "DeleteOptions", "apiVersion": "v1", **options})
        )

    def items(self, path: str, **params: Any) -> list[dict]:
        return self.get(path, **params)["items"]

    def wait_for(
        self, predicate: Callable[[], Any], *, what: str, timeout: float = 20.0, seen: Callable[[], Any] | None = None
    ) -> Any:
        """Poll `predicate` until truthy (its value is returned) or fail after `timeout` s saying what was seen."""
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(POLL_SECONDS)
        observed = seen() if seen is not None else last
        raise AssertionError(f"timed out after {timeout}s waiting for {what}; last seen: {observed!r}")


def deployment(name: str, *, replicas: int, image: str = "kubemini/busybox:1.35", **spec: Any) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": image}], "terminationGracePeriodSeconds": 5},
            },
            **spec,
        },
    }


def replicaset(name: str, *, replicas: int, labels: dict | None = None) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "kubemini/busybox:1.35"}]},
            },
        },
    }


def is_ready(pod: dict) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def is_active(pod: dict) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return not pod["metadata"].get("deletionTimestamp") and phase not in ("Succeeded", "Failed")


def condition(obj: dict, type_: str) -> dict:
    return next((c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == type_), {})
