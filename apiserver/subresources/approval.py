"""`certificatesigningrequests/approval`: only `status.conditions` changes (Approved / Denied)."""

from __future__ import annotations


def approved(request: dict, body: dict) -> dict:
    request.setdefault("status", {})["conditions"] = list((body.get("status") or {}).get("conditions") or [])
    return request
