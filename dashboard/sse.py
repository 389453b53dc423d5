"""Server-sent events framing (the `text/event-stream` format of the HTML standard)."""

from __future__ import annotations

from kubemini import json_codec

RETRY_MILLISECONDS = 2000


def format_event(data: object, *, event: str | None = None, event_id: str | None = None) -> bytes:
    lines = []
    if event:
        lines.append(f"event: {event}")
    if event_id is not None:
        lines.append(f"id: {event_id}")
    # JSON has no raw newlines, so the payload is always one `data:` line.
    lines.append("data: " + json_codec.dumps(data).decode())
    return ("\n".join(lines) + "\n\n").encode()


def format_comment(text: str) -> bytes:
    return f": {text}\n\n".encode()


def format_retry(milliseconds: int = RETRY_MILLISECONDS) -> bytes:
    return f"retry: {milliseconds}\n\n".encode()
