"""The processes `kubemini up` runs, in start order: one table, one line each.

A Python component runs as `<this interpreter> -m <package> ...` and is
started only when its package has a `__main__.py`. The table can therefore
name components that are still being written: `up` starts what exists today
and picks up the rest as their packages land, with no change here.

Flags every component after the apiserver is started with (its `__main__`
must accept them), and what it must serve:

    --kubeconfig <home>/kubeconfig --bind-address 127.0.0.1 --port <its port>
    GET /healthz on that port answers 200 when the component is healthy
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import ClusterSettings

# Debian's etcd-server installs here; a PATH lookup covers other installs.
ETCD_BINARY_PATHS = ("/usr/bin/etcd",)
ETCD_INSTALL_HINT = "apt-get install -y etcd-server"


class MissingComponentError(RuntimeError):
    """A component `up` cannot run without is not installed on this machine."""


@dataclass(frozen=True)
class Component:
    name: str
    build_argv: Callable[[ClusterSettings, ClusterHome], list[str]]
    health_url: Callable[[ClusterSettings], str]
    port_names: tuple[str, ...]
    package: str | None = None  # None: an external binary, always installed or required
    required: bool = False
    needs_docker: bool = False

    def is_installed(self) -> bool:
        if self.package is None:
            return True
        return package_has_main(self.package)


def package_has_main(package: str) -> bool:
    """Whether `python -m package` would run, without importing the package."""
    try:
        spec = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        return False
    if spec is None or spec.submodule_search_locations is None:
        return False
    return any((Path(location) / "__main__.py").is_file() for location in spec.submodule_search_locations)


def find_etcd_binary() -> str:
    for candidate in ETCD_BINARY_PATHS:
        if os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("etcd")
    if found is None:
        raise MissingComponentError(f"etcd is not installed; fix: {ETCD_INSTALL_HINT}")
    return found


def etcd_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
    # Peer URLs are given explicitly, not left at etcd's localhost:2380
    # default, so that a test cluster on other ports never touches 2380.
    return [
        find_etcd_binary(),
        "--name", "kubemini",
        "--data-dir", str(home.etcd_dir),
        "--listen-client-urls", settings.etcd_url,
        "--advertise-client-urls", settings.etcd_url,
        "--listen-peer-urls", settings.etcd_peer_url,
        "--initial-advertise-peer-urls", settings.etcd_peer_url,
        "--initial-cluster", f"kubemini={settings.etcd_peer_url}",
    ]  # fmt: skip


def apiserver_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
    return [
        sys.executable, "-m", "apiserver",
        "--etcd-servers", settings.etcd_url,
        "--bind-address", settings.bind_address,
        "--port", str(settings.port("apiserver")),
    ]  # fmt: skip


def python_component(name: str, package: str, *, needs_docker: bool = False) -> Component:
    """A component that follows the flag convention in this module's docstring."""

    def build_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
        return [
            sys.executable, "-m", package,
            "--kubeconfig", str(home.kubeconfig_path),
            "--bind-address", settings.bind_address,
            "--port", str(settings.port(name)),
            *(["--node-name", settings.node_name] if package == "kubelet" else []),
            *(["--hostname-override", settings.node_name] if package == "kube_proxy" else []),
        ]  # fmt: skip

    def health_url(settings: ClusterSettings) -> str:
        return f"http://{settings.bind_address}:{settings.port(name)}/healthz"

    return Component(name, build_argv, health_url, (name,), package=package, needs_docker=needs_docker)


COMPONENTS: tuple[Component, ...] = (
    Component("etcd", etcd_argv, lambda s: f"{s.etcd_url}/health", ("etcd", "etcd-peer"), required=True),
    Component(
        "apiserver",
        apiserver_argv,
        lambda s: f"{s.server_url}/readyz",
        ("apiserver",),
        package="apiserver",
        required=True,
    ),  # fmt: skip
    python_component("scheduler", "scheduler"),
    python_component("controller-manager", "controller_manager"),
    python_component("kubelet", "kubelet", needs_docker=True),
    python_component("kube-proxy", "kube_proxy"),
    python_component("ingress-controller", "ingress_controller"),
    python_component("metrics-server", "metrics_server"),
)


def installed_components(table: tuple[Component, ...] = COMPONENTS) -> list[Component]:
    """The components to start, in order; a missing required one is an error."""
    chosen = []
    for component in table:
        if component.is_installed():
            chosen.append(component)
        elif component.required:
            raise MissingComponentError(
                f"{component.name}: package {component.package!r} has no __main__.py on this install"
            )
    return chosen
