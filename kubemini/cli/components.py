"""The processes `kubemini up` runs, in start order: one table, one line each.

A Python component runs as `<this interpreter> -m <package> ...` and is
started only when its package has a `__main__.py`. The table can therefore
name components that are still being written: `up` starts what exists today
and picks up the rest as their packages land, with no change here.

Flags every component after the apiserver is started with (its `__main__`
must accept them), and what it must serve:

    --kubeconfig <home>/kubeconfigs/<name>.conf --bind-address 127.0.0.1 --port <its port>
    GET /healthz on that port answers 200 when the component is healthy
Each component's kubeconfig carries its own client certificate (`identity`: system:kube-scheduler,
system:node:<node>, ...), so RBAC and the Node authorizer see who is asking.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kubemini.cli.encryption import encryption_config_path
from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import ClusterSettings
from kubemini.pki import cluster_pki
from kubemini.pki.cluster_pki import ClientIdentity

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
    identity: Callable[[ClusterSettings], ClientIdentity] | None = None

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
    pki = cluster_pki.ClusterPki(home.pki_dir)
    return [
        sys.executable, "-m", "apiserver",
        "--etcd-servers", settings.etcd_url,
        "--bind-address", settings.apiserver_bind_address,
        "--secure-port", str(settings.port("apiserver")),
        "--tls-cert-file", str(pki.certificate_path("apiserver")),
        "--tls-private-key-file", str(pki.key_path("apiserver")),
        "--client-ca-file", str(pki.ca_path),
        "--authorization-mode", "Node,RBAC",
        # Machines join with bootstrap tokens (`kubemini token create`, `kubemini join`).
        "--enable-bootstrap-token-auth",
        *apiserver_security_flags(home),
    ]  # fmt: skip


def apiserver_security_flags(home: ClusterHome) -> list[str]:
    """Secrets encrypted at rest and the audit log, from the files `up` prepares (kubemini/cli/credentials.py);
    PodSecurity `baseline` for every namespace that does not choose otherwise."""
    return [
        "--encryption-provider-config", str(encryption_config_path(home.root)),
        "--encryption-provider-config-automatic-reload",
        "--audit-policy-file", str(home.pki_dir / "audit-policy.yaml"),
        "--audit-log-path", str(home.log_path("audit")),
        "--audit-log-maxsize", "100",
        "--pod-security-default-enforce", "baseline",
    ]  # fmt: skip


def python_component(
    name: str,
    package: str,
    identity: Callable[[ClusterSettings], ClientIdentity] | None = None,
    *,
    needs_docker: bool = False,
    extra: Callable[[ClusterSettings, ClusterHome], list[str]] = lambda settings, home: [],
) -> Component:
    """A component that follows the flag convention in this module's docstring."""

    def build_argv(settings: ClusterSettings, home: ClusterHome) -> list[str]:
        return [
            sys.executable, "-m", package,
            "--kubeconfig", str(home.component_kubeconfig(name)),
            "--bind-address", settings.bind_address,
            "--port", str(settings.port(name)),
            *extra(settings, home),
        ]  # fmt: skip

    def health_url(settings: ClusterSettings) -> str:
        return f"http://{settings.bind_address}:{settings.port(name)}/healthz"

    return Component(
        name, build_argv, health_url, (name,), package=package, needs_docker=needs_docker, identity=identity
    )


def controller_manager_flags(settings: ClusterSettings, home: ClusterHome) -> list[str]:
    pki = cluster_pki.ClusterPki(home.pki_dir)
    return [
        "--root-ca-file", str(pki.ca_path),
        "--cluster-signing-cert-file", str(pki.ca_path),
        "--cluster-signing-key-file", str(pki.ca_key_path),
        # Node IPAM: a /24 of the cluster CIDR per Node, the pod network of that node.
        "--allocate-node-cidrs",
        "--cluster-cidr", settings.cluster_cidr,
        # kube-public/cluster-info names the URL joining machines use.
        "--cluster-info-server", settings.advertised_server_url,
    ]  # fmt: skip


def pod_network_name(settings: ClusterSettings) -> str:
    """This cluster's Docker network for pods: its own, so another cluster's kubelet (or a test's) on the
    same engine never holds it on another subnet."""
    return f"kubemini-{settings.node_name}"


def kubelet_flags(settings: ClusterSettings, home: ClusterHome) -> list[str]:
    """This machine's node: pods on its pod CIDR, routes to the other nodes' (`--pod-network` backend).
    With other machines the apiserver reaches this kubelet at the advertised address."""
    address = settings.advertise_address
    reachable = ["--node-ip", address, "--bind-address", "0.0.0.0"] if address else []
    return [
        "--node-name", settings.node_name,
        "--root-dir", str(home.kubelet_dir),
        "--pod-network", pod_network_name(settings),
        "--pod-cidr-from-node",
        "--cluster-cidr", settings.cluster_cidr,
        "--pod-network-backend", settings.pod_network,
        "--wait-for-cluster-dns",  # kube-proxy, which serves it, starts right after the kubelet
        *reachable,
    ]  # fmt: skip


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
    python_component("scheduler", "scheduler", lambda s: cluster_pki.SCHEDULER),
    python_component(
        "controller-manager",
        "controller_manager",
        lambda s: cluster_pki.CONTROLLER_MANAGER,
        extra=controller_manager_flags,
    ),
    python_component(
        "kubelet",
        "kubelet",
        lambda s: cluster_pki.kubelet_identity(s.node_name),
        needs_docker=True,
        extra=kubelet_flags,
    ),
    python_component(
        "kube-proxy",
        "kube_proxy",
        lambda s: cluster_pki.KUBE_PROXY,
        extra=lambda settings, home: ["--hostname-override", settings.node_name],
    ),
    python_component("ingress-controller", "ingress_controller", lambda s: cluster_pki.INGRESS_CONTROLLER),
    python_component("metrics-server", "metrics_server", lambda s: cluster_pki.METRICS_SERVER),
    # Its own certificate has no role bound: users' requests carry the tokens they log in with.
    python_component("dashboard", "dashboard", lambda s: cluster_pki.DASHBOARD),
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
