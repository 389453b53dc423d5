"""One exec or attach session: a client WebSocket joined to a runtime stream.

    runtime output ──(demultiplexed unless TTY)──► channel 1 stdout / 2 stderr ──► client
    client channel 0 stdin ──► runtime input     v5 close of channel 0 ──► half-close (stdin EOF;
        for attach only when the container is stdinOnce, as Kubernetes: else its stdin stays open)
    client channel 4 resize ──► TTY size
    output ended ──► exit code ──► channel 3 Status ──► WebSocket closed

The session ends when the output does (the command exited, the container
stopped) or when the client goes away, whichever comes first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import socket

from starlette.websockets import WebSocket, WebSocketDisconnect

from kubelet.runtime import RuntimeStream
from kubelet.streaming.channels import (
    RESIZE,
    STDERR,
    STDIN,
    STDOUT,
    closed_channel,
    exit_status,
    frame,
    parse_message,
    parse_resize,
    status_frame,
)
from kubelet.streaming.stream_demux import Demultiplexer

READ_CHUNK_BYTES = 64 * 1024

log = logging.getLogger(__name__)


async def _pump_output(websocket: WebSocket, stream: RuntimeStream, *, stdout: bool, stderr: bool) -> None:
    loop = asyncio.get_running_loop()
    demux = Demultiplexer() if stream.multiplexed else None
    wanted = {STDOUT: stdout, STDERR: stderr}
    while True:
        chunk = await loop.sock_recv(stream.socket, READ_CHUNK_BYTES)
        if not chunk:
            return
        frames = demux.feed(chunk) if demux else [(STDOUT, chunk)]
        for kind, data in frames:
            if data and wanted.get(kind):
                await websocket.send_bytes(frame(kind, data))


async def _pump_input(websocket: WebSocket, stream: RuntimeStream, *, close_stdin: bool) -> None:
    loop = asyncio.get_running_loop()
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        incoming = parse_message(message.get("bytes") or message.get("text") or b"")
        if incoming is None:
            continue
        if incoming.channel == STDIN and incoming.data:
            await loop.sock_sendall(stream.socket, incoming.data)
        elif incoming.channel == RESIZE:
            size = parse_resize(incoming.data)
            if size:
                await stream.resize(*size)
        elif closed_channel(incoming) == STDIN and close_stdin:
            with contextlib.suppress(OSError):
                stream.socket.shutdown(socket.SHUT_WR)


async def run_session(
    websocket: WebSocket,
    stream: RuntimeStream,
    *,
    command: list[str] | None,
    stdout: bool,
    stderr: bool,
    close_stdin: bool = True,
) -> None:
    """`close_stdin`: pass the client's end of input on (exec; attach only to a stdinOnce container)."""
    output = asyncio.create_task(_pump_output(websocket, stream, stdout=stdout, stderr=stderr))
    source = asyncio.create_task(_pump_input(websocket, stream, close_stdin=close_stdin))
    try:
        done, _pending = await asyncio.wait({output, source}, return_when=asyncio.FIRST_COMPLETED)
        if output not in done:
            return  # the client left (or sent garbage): nobody to report to
        output.result()
        code = await stream.exit_code()
        status = exit_status(code, command=command) if command is not None else exit_status(0)
        await websocket.send_bytes(status_frame(status))
        await websocket.close()
    except (WebSocketDisconnect, OSError, RuntimeError) as error:
        log.debug("stream session ended: %s", error)
    finally:
        for task in (output, source):
            task.cancel()
        for task in (output, source):
            with contextlib.suppress(
                asyncio.CancelledError, WebSocketDisconnect, OSError, RuntimeError, json.JSONDecodeError
            ):
                await task
        stream.socket.close()
