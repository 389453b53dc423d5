"""Events ──► rows for the live stream and the recent-warnings list (newest time first in the UI)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dashboard.shaping.common import base_row


def last_seen(event: Mapping[str, Any]) -> str:
    """When it last happened: series > lastTimestamp > eventTime > firstTimestamp > creation."""
    series = event.get("series") or {}
    return str(
        series.get("lastObservedTime")
        or event.get("lastTimestamp")
        or event.get("eventTime")
        or event.get("firstTimestamp")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )


def event_row(event: Mapping[str, Any]) -> dict[str, Any]:
    involved = event.get("involvedObject") or event.get("regarding") or {}
    source = event.get("source") or {}
    series = event.get("series") or {}
    return {
        **base_row(event),
        "type": event.get("type") or "Normal",
        "reason": event.get("reason") or "",
        "message": event.get("message") or event.get("note") or "",
        "objectKind": involved.get("kind") or "",
        "objectName": involved.get("name") or "",
        "objectNamespace": involved.get("namespace") or "",
        "count": int(series.get("count") or event.get("count") or 1),
        "source": source.get("component") or event.get("reportingController") or "",
        "lastSeen": last_seen(event),
    }
