"""The PKI directory: issued once, reissued when due, names and identities as Kubernetes reads them."""

from __future__ import annotations

import ssl

from cryptography import x509

from kubemini.pki import cluster_pki
from kubemini.pki.certificates import subject_identity
from kubemini.pki.cluster_pki import ADMIN, ClusterPki, kubelet_identity

NAMES = cluster_pki.server_names(node_names=("node-a",), service_cidr="10.96.0.0/16")


def test_serving_certificate_names_cover_loopback_the_service_and_nodes(tmp_path):
    pki = ClusterPki(tmp_path)
    pki.ensure(server_names=NAMES, clients=())

    certificate = pki.read("apiserver").certificate
    names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert {"localhost", "kubernetes.default.svc.cluster.local", "node-a"} <= set(
        names.get_values_for_type(x509.DNSName)
    )
    assert {"127.0.0.1", "10.96.0.1"} <= {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def test_client_identities_are_common_name_and_organizations(tmp_path):
    pki = ClusterPki(tmp_path)
    pki.ensure(server_names=NAMES, clients=(ADMIN, kubelet_identity("node-a")))

    assert subject_identity(pki.read("admin").certificate) == ("kubernetes-admin", ("system:masters",))
    assert subject_identity(pki.read("kubelet-node-a").certificate) == ("system:node:node-a", ("system:nodes",))
    context = ssl.create_default_context(cafile=str(pki.ca_path))
    context.load_cert_chain(str(pki.certificate_path("admin")), str(pki.key_path("admin")))  # a valid pair
    assert (pki.key_path("admin").stat().st_mode & 0o777) == 0o600


def test_ensure_keeps_what_is_valid_and_reissues_what_lacks_a_name_or_is_forced(tmp_path):
    pki = ClusterPki(tmp_path)
    assert pki.ensure(server_names=NAMES, clients=(ADMIN,)) == ["apiserver", "admin"]
    assert pki.ensure(server_names=NAMES, clients=(ADMIN,)) == []
    assert pki.ensure(server_names=(*NAMES, "node-b"), clients=(ADMIN,)) == ["apiserver"]
    ca_before = pki.ca_path.read_bytes()
    assert pki.ensure(server_names=NAMES, clients=(ADMIN,), force=True) == ["apiserver", "admin"]
    assert pki.ca_path.read_bytes() == ca_before
