"""Where the apiserver is: the server URL every client starts from.

Order: explicit argument > `KUBEMINI_SERVER` > the kubeconfig file
(`KUBECONFIG`, a path list, or `~/.kube/config`; current-context → its
cluster's `server`) > `http://127.0.0.1:8080`. A missing or malformed
kubeconfig is not an error: we fall through to the default, as a fresh
machine has no kubeconfig at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

DEFAULT_SERVER = "http://127.0.0.1:8080"
SERVER_ENV = "KUBEMINI_SERVER"
KUBECONFIG_ENV = "KUBECONFIG"

log = logging.getLogger(__name__)


def kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[Path]:
    environ = os.environ if environ is None else environ
    listed = environ.get(KUBECONFIG_ENV)
    if listed:
        return [Path(part).expanduser() for part in listed.split(os.pathsep) if part]
    home = environ.get("HOME") or str(Path.home())
    return [Path(home) / ".kube" / "config"]


def load_kubeconfig(path: Path) -> dict[str, Any] | None:
    try:
        with path.open() as handle:
            document = yaml.safe_load(handle)
    except FileNotFoundError:
        return None
    except (OSError, yaml.YAMLError) as error:
        log.warning("ignoring unreadable kubeconfig %s: %s", path, error)
        return None
    return document if isinstance(document, dict) else None


def _named(entries: Any, name: str, field: str) -> dict[str, Any] | None:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name:
            value = entry.get(field)
            return value if isinstance(value, dict) else None
    return None


def current_context(config: dict[str, Any]) -> dict[str, Any] | None:
    name = config.get("current-context")
    return _named(config.get("contexts"), name, "context") if name else None


def server_from_kubeconfig(config: dict[str, Any]) -> str | None:
    context = current_context(config)
    if not context or not context.get("cluster"):
        return None
    cluster = _named(config.get("clusters"), context["cluster"], "cluster")
    server = (cluster or {}).get("server")
    return str(server).rstrip("/") if server else None


def namespace_from_kubeconfig(config: dict[str, Any]) -> str | None:
    context = current_context(config)
    namespace = (context or {}).get("namespace")
    return str(namespace) if namespace else None


def resolve_server(
    server: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The apiserver base URL (no trailing slash)."""
    if server:
        return server.rstrip("/")
    environ = os.environ if environ is None else environ
    if environ.get(SERVER_ENV):
        return environ[SERVER_ENV].rstrip("/")
    for path in kubeconfig_paths(environ):
        config = load_kubeconfig(path)
        found = server_from_kubeconfig(config) if config else None
        if found:
            return found
    return DEFAULT_SERVER


def resolve_namespace(
    namespace: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
) -> str:
    """The namespace a command acts in: explicit > kubeconfig context > `default`."""
    if namespace:
        return namespace
    for path in kubeconfig_paths(environ):
        config = load_kubeconfig(path)
        found = namespace_from_kubeconfig(config) if config else None
        if found:
            return found
    return "default"
