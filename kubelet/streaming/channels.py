"""The Kubernetes WebSocket channel protocols (v4/v5.channel.k8s.io), as pure functions.

    every message: one byte channel + payload
        0 stdin (client ──► pod)   1 stdout   2 stderr   3 error/status (a metav1.Status, JSON)
        4 resize (client: {"Width": w, "Height": h})     255 close (v5 only: [255, channel])
    the outcome of an exec: on channel 3, Success, or Failure with reason NonZeroExitCode and
    details.causes [{reason: ExitCode, message: "<code>"}] (kubectl exits with that code)

The Python client may send text frames (the channel as a character): they are
read like binary ones.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

V5 = "v5.channel.k8s.io"
V4 = "v4.channel.k8s.io"
SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io"
EXEC_PROTOCOLS = (V5, V4)
PORT_FORWARD_PROTOCOLS = (SPDY_TUNNEL, V4)
STDIN, STDOUT, STDERR, ERROR, RESIZE = 0, 1, 2, 3, 4
CLOSE = 255


def choose_protocol(offered: Iterable[str], supported: tuple[str, ...]) -> str | None:
    """Our most preferred protocol among those the client offered."""
    offered = [p.strip() for p in offered if p.strip()]
    return next((protocol for protocol in supported if protocol in offered), None)


def frame(channel: int, data: bytes = b"") -> bytes:
    return bytes([channel]) + data


@dataclass(frozen=True)
class Incoming:
    channel: int
    data: bytes


def parse_message(message: bytes | str) -> Incoming | None:
    """A client message as (channel, payload); None for an empty one."""
    raw = message.encode("latin-1", errors="replace") if isinstance(message, str) else message
    if not raw:
        return None
    return Incoming(raw[0], raw[1:])


def closed_channel(incoming: Incoming) -> int | None:
    """The channel a v5 close message closes."""
    if incoming.channel == CLOSE and incoming.data:
        return incoming.data[0]
    return None


def parse_resize(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a resize message; None when malformed."""
    try:
        size = json.loads(data)
        width, height = int(size.get("Width", 0)), int(size.get("Height", 0))
    except (ValueError, TypeError, AttributeError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def exit_status(exit_code: int | None, *, command: list[str] | None = None, message: str = "") -> dict[str, Any]:
    """The metav1.Status a finished exec reports on the error channel."""
    if exit_code == 0 and not message:
        return {"metadata": {}, "status": "Success"}
    if exit_code is None:
        return {"metadata": {}, "status": "Failure", "message": message or "unknown error", "reason": "InternalError"}
    text = f"error executing command {command or []}, exit code {exit_code}"
    return {
        "metadata": {},
        "status": "Failure",
        "message": f"command terminated with non-zero exit code: {text}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(exit_code)}]},
    }


def status_frame(status: dict[str, Any]) -> bytes:
    return frame(ERROR, json.dumps(status).encode())
