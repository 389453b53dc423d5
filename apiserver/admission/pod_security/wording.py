"""The pieces every check's message is built from, as pod-security-admission's helpers.go words them."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def join_quote(items: list[str]) -> str:
    return '"' + '", "'.join(items) + '"' if items else ""


def pluralize(singular: str, plural: str, count: int) -> str:
    return singular if count == 1 else plural


def containers_of(spec: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Init containers, then containers, then ephemeral containers (the order of messages)."""
    for section in CONTAINER_LISTS:
        for container in spec.get(section) or []:
            if isinstance(container, Mapping):
                yield container


def security_context(owner: Mapping[str, Any]) -> Mapping[str, Any]:
    return owner.get("securityContext") or {}


def named(containers: list[str]) -> str:
    """`container "a"` / `containers "a", "b"`."""
    return f"{pluralize('container', 'containers', len(containers))} {join_quote(containers)}"


def setters(pod: bool, containers: list[str]) -> list[str]:
    """The `pod` and/or `containers "a"` parts of messages joined with ` and `."""
    found = ["pod"] if pod else []
    if containers:
        found.append(named(containers))
    return found
