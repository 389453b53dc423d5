"""Exec and attach on Docker: the hijacked Engine API connection as one raw socket.

    open_exec:   exec_create(cmd, stdin?, tty?) ──► exec_start(socket=True) ──► RuntimeStream
                 exit code: exec_inspect once the output ended (polled briefly: Docker
                 records it a moment after the stream closes)
    open_attach: attach_socket(stdin, stdout, stderr, stream) ──► RuntimeStream (no exit code)
    Without a TTY the output is multiplexed (stdout and stderr frames); with one it is raw.
    run_to_completion: a probe's or hook's exec, blocking (run in the exec pool), output collected

Blocking SDK calls run in the runtime's exec pool; the socket itself is used
non-blocking from the event loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable
from typing import Any

from kubelet.runtime import ExecResult, RuntimeStream

EXIT_CODE_POLLS = 20
EXIT_CODE_POLL_SECONDS = 0.05

Call = Callable[..., Awaitable[Any]]


def _raw(sock: Any) -> socket.socket:
    raw = getattr(sock, "_sock", sock)
    raw.setblocking(False)
    return raw


async def open_exec(
    api: Any, call: Call, container_id: str, command: list[str], *, stdin: bool, tty: bool
) -> RuntimeStream:
    created = await call(api.exec_create, container_id, command, stdin=stdin, stdout=True, stderr=True, tty=tty)
    exec_id = created["Id"]
    sock = await call(api.exec_start, exec_id, socket=True, tty=tty)

    async def resize(width: int, height: int) -> None:
        await call(api.exec_resize, exec_id, height=height, width=width)

    async def exit_code() -> int | None:
        for _ in range(EXIT_CODE_POLLS):
            inspected = await call(api.exec_inspect, exec_id)
            if not inspected.get("Running"):
                return inspected.get("ExitCode")
            await asyncio.sleep(EXIT_CODE_POLL_SECONDS)
        return None

    return RuntimeStream(_raw(sock), multiplexed=not tty, resize=resize, exit_code=exit_code)


async def open_attach(api: Any, call: Call, container_id: str, *, stdin: bool, tty: bool) -> RuntimeStream:
    params = {"stdin": int(stdin), "stdout": 1, "stderr": 1, "stream": 1}
    sock = await call(api.attach_socket, container_id, params=params)

    async def resize(width: int, height: int) -> None:
        await call(api.resize, container_id, height=height, width=width)

    async def exit_code() -> int | None:
        return None

    return RuntimeStream(_raw(sock), multiplexed=not tty, resize=resize, exit_code=exit_code)


def run_to_completion(api: Any, container_id: str, command: list[str]) -> ExecResult:
    """A probe's or hook's exec: blocking, output collected (stdout and stderr together)."""
    exec_id = api.exec_create(container_id, command, stdout=True, stderr=True)["Id"]
    output = api.exec_start(exec_id)
    exit_code = api.exec_inspect(exec_id).get("ExitCode")
    text = output.decode(errors="replace") if isinstance(output, bytes) else str(output)
    return ExecResult(exit_code if exit_code is not None else -1, text)
