"""A TCP connection to localhost:<port> *inside* a pod's network namespace.

    sandbox pid visible (the kubelet runs on the node) ──► a thread enters /proc/<pid>/ns/net
        (setns), makes the socket there, and returns to its own namespace: the socket stays in
        the pod's, so connect() reaches the pod's loopback, as kubelet's port-forward does
    not visible (a kubelet in a container) ──► `nc 127.0.0.1 <port>` exec'd in the sandbox,
        its stdin/stdout the connection (the pause image is busybox)

Either way the traffic never leaves the pod's namespace: only its loopback is dialled.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import socket
import threading
from typing import Protocol

from kubelet.runtime import ContainerRecord, ContainerRuntime, RuntimeStream
from kubelet.streaming.stream_demux import Demultiplexer

CLONE_NEWNET = 0x40000000
CONNECT_TIMEOUT_SECONDS = 10.0
READ_CHUNK_BYTES = 64 * 1024
STDOUT = 1


class PodConnection(Protocol):
    async def read(self) -> bytes: ...

    async def write(self, data: bytes) -> None: ...

    async def close_write(self) -> None: ...

    def close(self) -> None: ...


class _Socket:
    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.loop = asyncio.get_running_loop()

    async def read(self) -> bytes:
        return await self.loop.sock_recv(self.sock, READ_CHUNK_BYTES)

    async def write(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.sock, data)

    async def close_write(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.sock.close()


class _Relay:
    """A connection through `nc` in the sandbox: its output is Docker-multiplexed."""

    def __init__(self, stream: RuntimeStream):
        self.stream = stream
        self.loop = asyncio.get_running_loop()
        self.demux = Demultiplexer()
        self.pending: list[bytes] = []

    async def read(self) -> bytes:
        while not self.pending:
            chunk = await self.loop.sock_recv(self.stream.socket, READ_CHUNK_BYTES)
            if not chunk:
                return b""
            self.pending = [data for kind, data in self.demux.feed(chunk) if kind == STDOUT and data]
        return self.pending.pop(0)

    async def write(self, data: bytes) -> None:
        await self.loop.sock_sendall(self.stream.socket, data)

    async def close_write(self) -> None:
        try:
            self.stream.socket.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    def close(self) -> None:
        self.stream.socket.close()


def _socket_in_namespace(pid: int) -> socket.socket:
    """Made in a thread of its own, which enters the pod's namespace and leaves it again."""
    result: dict[str, object] = {}

    def make() -> None:
        libc = ctypes.CDLL(None, use_errno=True)
        own = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY)
        try:
            if libc.setns(target, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns into the pod's network namespace failed")
            try:
                result["socket"] = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            finally:
                if libc.setns(own, CLONE_NEWNET) != 0:
                    result["fatal"] = "cannot return to the kubelet's network namespace"
        except OSError as error:
            result["error"] = error
        finally:
            os.close(own)
            os.close(target)

    thread = threading.Thread(target=make, name=f"netns-{pid}", daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]  # type: ignore[misc]
    return result["socket"]  # type: ignore[return-value]


def _namespace_visible(pid: int | None) -> bool:
    return bool(pid) and os.access(f"/proc/{pid}/ns/net", os.R_OK)


async def connect_in_pod(runtime: ContainerRuntime, sandbox: ContainerRecord, port: int) -> PodConnection:
    """Connected, or OSError with the reason (refused, timed out)."""
    if not 0 < port < 65536:
        raise OSError(f"invalid port {port}")
    if _namespace_visible(sandbox.pid):
        sock = await asyncio.to_thread(_socket_in_namespace, sandbox.pid or 0)
        sock.setblocking(False)
        try:
            await asyncio.wait_for(
                asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port)), CONNECT_TIMEOUT_SECONDS
            )
        except (OSError, TimeoutError) as error:
            sock.close()
            raise OSError(f"dial tcp4 127.0.0.1:{port}: {error or 'i/o timeout'}") from error
        return _Socket(sock)
    stream = await runtime.open_exec(sandbox.id, ["nc", "127.0.0.1", str(port)], stdin=True, tty=False)
    return _Relay(stream)
