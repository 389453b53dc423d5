"""What `up` prepares before any process starts: the PKI and one kubeconfig per identity.

    ClusterPki(<home>/pki).ensure(apiserver SANs, every component's identity + admin)
    ──► <home>/kubeconfig                  the admin (O=system:masters), for kubectl and the user
    ──► <home>/kubeconfigs/<component>.conf each component with its own certificate
    ──► <home>/pki/encryption-config.yaml  a random aesgcm key for Secrets at rest (kept once made)
    ──► <home>/pki/audit-policy.yaml       the default audit policy (kept once made: the user may edit it)
`kubemini certs renew` runs the same with force: every leaf certificate reissued, the CA kept.
"""

from __future__ import annotations

from kubemini.cli.audit_policy import write_default_audit_policy
from kubemini.cli.components import Component
from kubemini.cli.encryption import encryption_config_path, write_initial_encryption_config
from kubemini.cli.kubeconfig import build_kubeconfig, write_kubeconfig
from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import ClusterSettings
from kubemini.pki import cluster_pki
from kubemini.pki.cluster_pki import ADMIN, ClusterPki

SERVICE_CIDR = "10.96.0.0/16"


def prepare_credentials(
    home: ClusterHome, settings: ClusterSettings, components: list[Component], *, force: bool = False
) -> tuple[dict, list[str]]:
    """(the admin kubeconfig, the certificates issued now)."""
    pki = ClusterPki(home.pki_dir)
    identities = {component.name: component.identity(settings) for component in components if component.identity}
    advertised = (settings.advertise_address,) if settings.advertise_address else ()
    names = cluster_pki.server_names(node_names=(settings.node_name,), service_cidr=SERVICE_CIDR, extra=advertised)
    issued = pki.ensure(
        server_names=names, clients=(ADMIN, cluster_pki.APISERVER_KUBELET_CLIENT, *identities.values()), force=force
    )
    ca_pem = pki.ca_path.read_bytes()
    admin = build_kubeconfig(settings.server_url, ca_pem=ca_pem, client=pki.read(ADMIN.file_stem))
    write_kubeconfig(home.kubeconfig_path, admin)
    for name, identity in identities.items():
        config = build_kubeconfig(settings.server_url, ca_pem=ca_pem, client=pki.read(identity.file_stem))
        write_kubeconfig(home.component_kubeconfig(name), config)
    write_initial_encryption_config(encryption_config_path(home.root))
    write_default_audit_policy(home.pki_dir / "audit-policy.yaml")
    return admin, issued
