"""Where the apiserver is and how to prove who we are: the ClientConfig every client starts from.

Order: explicit ClientConfig > explicit kubeconfig file > explicit server URL or `KUBEMINI_SERVER`
(with the credentials of a kubeconfig naming that same server) > the kubeconfig files
(`KUBECONFIG`, a path list, or `~/.kube/config`; current-context → its cluster and user) >
a pod's service account (in-cluster) > `https://127.0.0.1:6443` without credentials. A missing or
malformed kubeconfig is not an error: we fall through, as a fresh machine has no kubeconfig at all.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from kubemini.client.credentials import ClientConfig, from_kubeconfig, in_cluster

DEFAULT_SERVER = "https://127.0.0.1:6443"
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


def _configs(paths: list[Path]):
    for path in paths:
        config = load_kubeconfig(path)
        found = from_kubeconfig(config, base=path.parent) if config else None
        if found is not None:
            yield found


def resolve_config(
    server: str | ClientConfig | None = None,
    *,
    kubeconfig: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """The server and credentials to use (see the module docstring for the order)."""
    if isinstance(server, ClientConfig):
        return server
    environ = os.environ if environ is None else environ
    url = (server or environ.get(SERVER_ENV) or "").rstrip("/") or None
    if kubeconfig:
        path = Path(kubeconfig).expanduser()
        found = next(_configs([path]), None)
        if found is not None:
            return ClientConfig(**{**found.__dict__, "server": url}) if url else found
    configs = list(_configs(kubeconfig_paths(environ)))
    if url:
        return next((c for c in configs if c.server == url), ClientConfig(server=url))
    if configs:
        return configs[0]
    return in_cluster(environ) or ClientConfig(server=DEFAULT_SERVER)


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
