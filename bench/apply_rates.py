"""Server-side apply against a strategic-merge patch of the same change, for bench/api.py.

DEPLOYMENTS Deployments applied first (manager "bench"), then with wrk, each for `seconds`:
  apply-unchanged   the same manifest again: a merge and a compare, no write
  apply-one-field   the manifest with spec.replicas cycling 1..3: merge, prune, ownership, a write
  strategic-patch   {"spec":{"replicas": n}} with the same cycle: the baseline
"""

from __future__ import annotations

import asyncio
import json

from tests.support.api_http import async_api_http

DEPLOYMENTS = 100
PATH = "/apis/apps/v1/namespaces/default/deployments"
APPLY = "application/apply-patch+yaml"
_NAME, _REPLICAS = "NAME-PLACEHOLDER", 424242


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": "bench"}
    container = {"name": "web", "image": "kubemini/busybox:1.35", "ports": [{"containerPort": 80}]}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def _lua_manifest(name_expr: str, replicas_expr: str) -> str:
    """A Lua expression for the manifest of Deployment `d-<name_expr>` with `replicas_expr` replicas."""
    text = json.dumps(deployment(_NAME, _REPLICAS), separators=(",", ":"))
    head, rest = text.split(_NAME)
    middle, tail = rest.split(str(_REPLICAS))
    return f"'{head}d-' .. {name_expr} .. '{middle}' .. {replicas_expr} .. '{tail}'"


async def _seed(url: str) -> None:
    async with async_api_http(base_url=url, timeout=60) as client:
        for i in range(DEPLOYMENTS):
            made = await client.patch(
                f"{PATH}/d-{i}",
                content=json.dumps(deployment(f"d-{i}", 1)),
                params={"fieldManager": "bench"},
                headers={"Content-Type": APPLY},
            )
            assert made.status_code in (200, 201), made.text


def seed_deployments(url: str) -> None:
    asyncio.run(_seed(url))


def scripts() -> dict[str, tuple[str, str, str, str]]:
    """name → (method, Lua path, Lua body, content type) for bench/api.py's wrk runner."""
    name = f"(counter % {DEPLOYMENTS})"
    target = f'"{PATH}/d-" .. {name}'
    cycle = f"((math.floor(counter / {DEPLOYMENTS}) % 3) + 1)"
    return {
        "apply-unchanged": ("PATCH", target + ' .. "?fieldManager=bench"', _lua_manifest(name, "1"), APPLY),
        "apply-one-field": ("PATCH", target + ' .. "?fieldManager=bench"', _lua_manifest(name, cycle), APPLY),
        "strategic-patch": (
            "PATCH",
            target + ' .. "?fieldManager=smp"',
            '\'{"spec":{"replicas":\' .. ' + cycle + " .. '}}'",
            "application/strategic-merge-patch+json",
        ),
    }
