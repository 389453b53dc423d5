"""Sandbox network changes never overlap (Docker 20.10 deadlocks otherwise); app containers are not held up."""

from __future__ import annotations

import asyncio
import threading
import time

from kubelet.runtime import docker as docker_runtime
from kubelet.runtime.docker import DockerRuntime


class Overlap:
    def __init__(self):
        self.active = 0
        self.most = 0
        self._lock = threading.Lock()

    def op(self, container_id: str) -> str:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
        time.sleep(0.05)
        with self._lock:
            self.active -= 1
        return container_id


async def test_sandbox_operations_run_one_at_a_time_but_app_containers_in_parallel(tmp_path, monkeypatch):
    monkeypatch.setattr(docker_runtime, "NETWORK_LOCK_PATH", str(tmp_path / "network.lock"))
    runtime = DockerRuntime(max_workers=8)  # no Docker call is made: the operations are stand-ins
    try:
        runtime._sandboxes.update({"sb1", "sb2", "sb3", "sb4"})
        sandboxes, apps = Overlap(), Overlap()
        await asyncio.gather(*(runtime._container_op(f"sb{i}", sandboxes.op) for i in range(1, 5)))
        await asyncio.gather(*(runtime._container_op(f"app{i}", apps.op) for i in range(1, 5)))
        assert sandboxes.most == 1
        assert apps.most > 1
    finally:
        await runtime.close()
