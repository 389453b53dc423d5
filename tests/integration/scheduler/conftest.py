"""Scheduler integration fixtures: a private etcd + apiserver per test, scheduler processes, waits.

Nodes are cluster-scoped and every FailedScheduling message counts all of them,
so each test gets its own apiserver (`own_apiserver`) and sees only its own nodes.
Schedulers run as real `python -m scheduler` processes, started and stopped like
the etcd and apiserver launchers in tests/support/processes.py.
"""

from __future__ import annotations

import asyncio
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
import pytest

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT, STOP_DEADLINE_SECONDS

POD = by_kind("Pod")
NODE = by_kind("Node")
EVENT = by_kind("Event")
START_DEADLINE_SECONDS = 20.0
# Short leases so a takeover happens within seconds (renew deadline < duration, retry < deadline).
LEASE_FLAGS = ("--lease-duration-seconds", "4", "--renew-deadline-seconds", "3", "--retry-period-seconds", "0.5")


@dataclass
class SchedulerProcess:
    server: str
    log_path: Path
    identity: str = "scheduler"
    leader_elect: bool = False
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> SchedulerProcess:
        argv = [sys.executable, "-m", "scheduler", "--server", self.server, "--port", str(self.port),
                "--identity", self.identity, "--log-level", "info"]  # fmt: skip
        argv += ["--leader-elect", *LEASE_FLAGS] if self.leader_elect else ["--no-leader-elect"]
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while not self.healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"scheduler {self.identity} did not become healthy:\n{self.log_tail()}")
            time.sleep(0.05)
        return self

    def healthy(self) -> bool:
        try:
            return httpx.get(f"{self.url}/healthz", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def metrics(self) -> str:
        return httpx.get(f"{self.url}/metrics", timeout=5).text

    def metric(self, name: str, **labels: str) -> float:
        wanted = name + ("{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + "}" if labels else "")
        for line in self.metrics().splitlines():
            if line.startswith(wanted + " "):
                return float(line.rsplit(" ", 1)[1])
        raise AssertionError(f"metric {wanted} not exported")

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else "(no log)"

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()


@pytest.fixture
async def api(own_apiserver):
    async with ApiClient(own_apiserver.url) as client:
        yield client


@pytest.fixture
def start_scheduler(own_apiserver, tmp_path):
    """start_scheduler(identity=..., leader_elect=...) → a running SchedulerProcess, stopped after the test."""
    started: list[SchedulerProcess] = []

    def start(*, identity: str = "scheduler", leader_elect: bool = False) -> SchedulerProcess:
        process = SchedulerProcess(own_apiserver.url, tmp_path / f"{identity}.log", identity, leader_elect)
        started.append(process)
        return process.start()

    yield start
    for process in started:
        process.stop()


async def wait_until(
    predicate: Callable[[], Any], *, what: str, timeout: float = 20.0, describe: Callable[[], Any] | None = None
) -> Any:
    """Poll `predicate` (sync or async) until it returns something truthy, which is returned."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = predicate()
        if asyncio.iscoroutine(outcome):
            outcome = await outcome
        if outcome:
            return outcome
        if time.monotonic() > deadline:
            seen = describe() if describe else "condition still false"
            if asyncio.iscoroutine(seen):
                seen = await seen
            raise AssertionError(f"timed out after {timeout}s waiting for {what}; saw: {seen}")
        await asyncio.sleep(0.05)


async def pods_by_name(api: ApiClient, namespace: str = "default") -> dict[str, dict]:
    return {pod["metadata"]["name"]: pod for pod in (await api.list(POD, namespace=namespace))["items"]}


async def node_of(api: ApiClient, name: str, namespace: str = "default") -> str | None:
    return (await api.get(POD, name, namespace=namespace))["spec"].get("nodeName")


async def wait_bound(api: ApiClient, name: str, *, timeout: float = 15.0) -> str:
    async def placement():
        return await node_of(api, name)

    return await wait_until(placement, what=f"pod {name} to be bound", timeout=timeout, describe=placement)


async def events_for(api: ApiClient, name: str, reason: str, namespace: str = "default") -> list[dict]:
    items = (await api.list(EVENT, namespace=namespace))["items"]
    return [e for e in items if e["involvedObject"].get("name") == name and e["reason"] == reason]
