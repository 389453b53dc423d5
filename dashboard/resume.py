"""Where each feed of one SSE stream is, packed into the event id the browser sends back.

EventSource keeps the `id:` of the last event it received and sends it as
`Last-Event-ID` when it reconnects. A stream carries several feeds, so the id
is every feed's last resourceVersion: `pods=1234;nodes=1200`. On reconnect a
feed with a known version re-watches from it (no relist); one without (or
whose version the API answers 410 Gone for) lists afresh.
"""

from __future__ import annotations

import re

_FEED_NAME = re.compile(r"^[a-z][a-z0-9-]*$")
_VERSION = re.compile(r"^[0-9A-Za-z._-]{1,64}$")


def encode_positions(positions: dict[str, str]) -> str:
    return ";".join(f"{feed}={version}" for feed, version in sorted(positions.items()) if version)


def decode_positions(text: str | None, *, feeds: tuple[str, ...]) -> dict[str, str]:
    """The versions of `text` for the feeds asked for now; anything malformed is dropped, not trusted."""
    positions: dict[str, str] = {}
    for part in (text or "").split(";"):
        feed, sep, version = part.strip().partition("=")
        if sep and feed in feeds and _FEED_NAME.match(feed) and _VERSION.match(version):
            positions[feed] = version
    return positions
