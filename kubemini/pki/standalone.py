"""A PKI directory with every kubeconfig in it, for a cluster `kubemini up` does not run (docker compose).

    write_directory(D, server_url, node_names, service_cidr)
    ──► ClusterPki(D/pki).ensure(apiserver SANs: loopback, the `kubernetes` Service's names and IP,
                                 the node names; one client certificate per identity)
    ──► D/kubeconfigs/<component>.conf  each component's own identity (kubelet-<node>.conf per node)
    ──► D/admin.conf                    the admin (O=system:masters), for the user's kubectl
Run again, it keeps every certificate still valid (reissuing what is missing, due or lacking a
name) and rewrites the kubeconfigs from the files, so a changed server URL takes effect too.
The layout mirrors `kubemini up`'s home (pki/, kubeconfigs/).
"""

from __future__ import annotations

import os
from pathlib import Path

from kubemini.api.names import dns1123_subdomain_problem
from kubemini.cli.kubeconfig import build_kubeconfig, write_kubeconfig
from kubemini.pki import cluster_pki
from kubemini.pki.cluster_pki import ADMIN, ClientIdentity, ClusterPki

ADMIN_KUBECONFIG = "admin.conf"
# The components a cluster runs with their own client certificate (kubelets added per node).
COMPONENT_IDENTITIES: dict[str, ClientIdentity] = {
    "scheduler": cluster_pki.SCHEDULER,
    "controller-manager": cluster_pki.CONTROLLER_MANAGER,
    "kube-proxy": cluster_pki.KUBE_PROXY,
    "ingress-controller": cluster_pki.INGRESS_CONTROLLER,
    "metrics-server": cluster_pki.METRICS_SERVER,
    "dashboard": cluster_pki.DASHBOARD,
}


def node_name_problems(node_names: tuple[str, ...]) -> list[str]:
    """Node names become file names and certificate subjects: each must be a DNS subdomain."""
    found = ((name, dns1123_subdomain_problem(name)) for name in node_names)
    return [f"node name {name!r}: {problem}" for name, problem in found if problem]


def component_identities(node_names: tuple[str, ...]) -> dict[str, ClientIdentity]:
    """kubeconfig name → identity: the fixed components, then `kubelet-<node>` for each node."""
    kubelets = {f"kubelet-{name}": cluster_pki.kubelet_identity(name) for name in node_names}
    return {**COMPONENT_IDENTITIES, **kubelets}


def kubeconfig_path(directory: Path, component: str) -> Path:
    return Path(directory) / "kubeconfigs" / f"{component}.conf"


def write_directory(
    directory: Path,
    *,
    server_url: str,
    node_names: tuple[str, ...],
    service_cidr: str,
    extra_names: tuple[str, ...] = (),
    force: bool = False,
) -> list[str]:
    """Make or refresh the directory; the certificate stems issued now (empty: all were kept)."""
    directory = Path(directory)
    pki = ClusterPki(directory / "pki")
    identities = component_identities(node_names)
    names = cluster_pki.server_names(node_names=node_names, service_cidr=service_cidr, extra=extra_names)
    issued = pki.ensure(
        server_names=names,
        clients=(ADMIN, cluster_pki.APISERVER_KUBELET_CLIENT, *identities.values()),
        force=force,
    )
    ca_pem = pki.ca_path.read_bytes()
    write_kubeconfig(
        directory / ADMIN_KUBECONFIG, build_kubeconfig(server_url, ca_pem=ca_pem, client=pki.read(ADMIN.file_stem))
    )
    for component, identity in identities.items():
        config = build_kubeconfig(server_url, ca_pem=ca_pem, client=pki.read(identity.file_stem))
        write_kubeconfig(kubeconfig_path(directory, component), config)
    return issued


def change_owner(directory: Path, uid: int, gid: int) -> None:
    """Give the whole directory to uid:gid (a container writes as root; the host's user reads)."""
    for root, _directories, files in os.walk(directory):
        os.chown(root, uid, gid)
        for name in files:
            os.chown(os.path.join(root, name), uid, gid, follow_symlinks=False)
