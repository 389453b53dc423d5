"""Which rule of an Ingress answers a request: host and path matching as Kubernetes specifies it.

    request Host ──► host_group(): exact host, else a `*.` wildcard matching exactly one
                     DNS label, else the rules without a host (no fall-through between them)
    request path ──► best_path(): Exact (whole string) or Prefix (element-wise by `/`);
                     longest path wins, Exact before Prefix at equal length

`ImplementationSpecific` is matched as Prefix. Everything here is pure: the
routing table is data, these functions only read it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeVar

EXACT, PREFIX, IMPLEMENTATION_SPECIFIC = "Exact", "Prefix", "ImplementationSpecific"

T = TypeVar("T")


def normalize_host(host_header: str) -> str:
    """`Example.COM:8080` → `example.com`; an IPv6 literal keeps its brackets."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if ":" in host else host


def wildcard_matches(pattern: str, host: str) -> bool:
    """`*.foo.com` matches `bar.foo.com`, not `foo.com` nor `baz.bar.foo.com` (one DNS label only)."""
    if not pattern.startswith("*."):
        return False
    suffix = pattern[1:]
    if not host.endswith(suffix):
        return False
    label = host[: -len(suffix)]
    return bool(label) and "." not in label


def host_group(groups: Mapping[str, T], host: str) -> T | None:
    """The rules for `host`: exact name first, then a wildcard, then the host-less rules (key "")."""
    if host in groups:
        return groups[host]
    for pattern, group in groups.items():
        if wildcard_matches(pattern, host):
            return group
    return groups.get("")


def path_elements(path: str) -> list[str]:
    return [element for element in path.split("/") if element]


def path_matches(path_type: str, rule_path: str, request_path: str) -> bool:
    if path_type == EXACT:
        return request_path == rule_path
    rule = path_elements(rule_path)
    return path_elements(request_path)[: len(rule)] == rule


def match_rank(path_type: str, rule_path: str) -> tuple[int, int]:
    """Sort key, larger is better: the longer path, then Exact over Prefix."""
    length = len(rule_path) if path_type == EXACT else len("/" + "/".join(path_elements(rule_path)))
    return (length, 1 if path_type == EXACT else 0)


def best_path(paths: Iterable[tuple[str, str, T]], request_path: str) -> T | None:
    """Among (path type, path, value) triples, the value of the best match for `request_path`."""
    best: tuple[tuple[int, int], T] | None = None
    for path_type, rule_path, value in paths:
        if path_matches(path_type, rule_path, request_path):
            rank = match_rank(path_type, rule_path)
            if best is None or rank > best[0]:
                best = (rank, value)
    return None if best is None else best[1]


def request_path_of(target: str) -> str:
    """The path of a request target, without query or fragment; `*` and absolute forms handled."""
    if target.startswith(("http://", "https://")):
        rest = target.split("://", 1)[1]
        target = "/" + rest.split("/", 1)[1] if "/" in rest else "/"
    for separator in ("?", "#"):
        target = target.split(separator, 1)[0]
    return target or "/"
