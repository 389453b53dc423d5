"""Sandbox network leaves never overlap each other or a join (Docker 20.10 deadlocks otherwise); joins overlap."""

from __future__ import annotations

import asyncio
import threading
import time

from kubelet.runtime import docker as docker_runtime
from kubelet.runtime.docker import DockerRuntime
from kubelet.runtime.network_lock import NetworkLock


class Overlap:
    def __init__(self):
        self.active = 0
        self.most = 0
        self.log: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def op(self, container_id: str, kind: str = "") -> str:
        with self._lock:
            self.active += 1
            self.most = max(self.most, self.active)
            self.log.append(("in", kind))
        time.sleep(0.05)
        with self._lock:
            self.active -= 1
            self.log.append(("out", kind))
        return container_id


def overlapped_with_leave(log: list[tuple[str, str]]) -> bool:
    """Whether anything ran while a leave was running (from the in/out log)."""
    inside: list[str] = []
    for step, kind in log:
        if step == "in":
            if "leave" in inside or (kind == "leave" and inside):
                return True
            inside.append(kind)
        else:
            inside.remove(kind)
    return False


async def test_sandbox_leaves_run_alone_joins_and_app_containers_in_parallel(tmp_path, monkeypatch):
    monkeypatch.setattr(docker_runtime, "NETWORK_LOCK_PATH", str(tmp_path / "network.lock"))
    runtime = DockerRuntime(max_workers=8)  # no Docker call is made: the operations are stand-ins
    try:
        runtime._sandboxes.update({f"sb{i}" for i in range(1, 9)})
        leaves, joins, apps = Overlap(), Overlap(), Overlap()
        await asyncio.gather(*(runtime._container_op(f"sb{i}", leaves.op) for i in range(1, 5)))
        await asyncio.gather(*(runtime._container_op(f"sb{i}", joins.op, join=True) for i in range(1, 5)))
        await asyncio.gather(*(runtime._container_op(f"app{i}", apps.op) for i in range(1, 5)))
        assert leaves.most == 1
        assert joins.most > 1
        assert apps.most > 1
        mixed = Overlap()
        await asyncio.gather(
            *(
                runtime._container_op(f"sb{i}", mixed.op, "join" if i % 2 else "leave", join=bool(i % 2))
                for i in range(1, 9)
            )
        )
        assert mixed.most > 1  # the joins together
        assert not overlapped_with_leave(mixed.log)
    finally:
        await runtime.close()


async def test_a_waiting_leave_is_not_starved_by_a_stream_of_joins():
    lock = NetworkLock()
    order: list[str] = []

    async def join(name: str, hold: float) -> None:
        async with lock.shared():
            order.append(name)
            await asyncio.sleep(hold)

    async def leave() -> None:
        async with lock.exclusive():
            order.append("leave")

    first = asyncio.create_task(join("join-1", 0.05))
    await asyncio.sleep(0)  # join-1 holds the lock
    waiting = asyncio.create_task(leave())
    await asyncio.sleep(0)
    later = asyncio.create_task(join("join-2", 0))
    await asyncio.gather(first, waiting, later)
    assert order == ["join-1", "leave", "join-2"]
