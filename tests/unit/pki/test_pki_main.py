"""`python -m kubemini.pki`: the compose cluster's directory, every kubeconfig with its own identity, idempotent."""

from __future__ import annotations

import pytest
from cryptography import x509

from kubemini.client.kubeconfig import resolve_config
from kubemini.pki.__main__ import main
from kubemini.pki.certificates import subject_identity
from kubemini.pki.cluster_pki import ClusterPki
from kubemini.pki.standalone import kubeconfig_path

SERVER = "https://127.0.0.1:16443"
ARGS = ["--server", SERVER, "--node-names", "node-a,node-b"]


def _identity(path):
    config = resolve_config(kubeconfig=path, environ={})
    return config.server, subject_identity(x509.load_pem_x509_certificate(config.certificate_pem))


def test_every_component_and_the_admin_get_a_kubeconfig_with_their_own_certificate(tmp_path):
    assert main(["--dir", str(tmp_path), *ARGS]) == 0

    assert _identity(tmp_path / "admin.conf") == (SERVER, ("kubernetes-admin", ("system:masters",)))
    assert _identity(kubeconfig_path(tmp_path, "kubelet-node-b")) == (SERVER, ("system:node:node-b", ("system:nodes",)))
    assert _identity(kubeconfig_path(tmp_path, "scheduler"))[1] == ("system:kube-scheduler", ())
    assert _identity(kubeconfig_path(tmp_path, "controller-manager"))[1] == ("system:kube-controller-manager", ())
    assert _identity(kubeconfig_path(tmp_path, "kube-proxy"))[1] == ("system:kube-proxy", ())
    assert _identity(kubeconfig_path(tmp_path, "dashboard"))[1] == ("system:kubemini:dashboard", ())
    config = resolve_config(kubeconfig=tmp_path / "admin.conf", environ={})
    assert config.ca_pem == ClusterPki(tmp_path / "pki").ca_path.read_bytes()
    assert (tmp_path / "admin.conf").stat().st_mode & 0o777 == 0o600


def test_a_second_run_keeps_the_certificates_and_follows_a_new_server_url(tmp_path, capsys):
    main(["--dir", str(tmp_path), *ARGS])
    ca = (tmp_path / "pki" / "ca.crt").read_bytes()
    admin_certificate = (tmp_path / "pki" / "admin.crt").read_bytes()
    capsys.readouterr()

    assert main(["--dir", str(tmp_path), "--server", "https://127.0.0.1:7443", "--node-names", "node-a,node-b"]) == 0

    assert "every certificate kept" in capsys.readouterr().out
    assert (tmp_path / "pki" / "ca.crt").read_bytes() == ca
    assert (tmp_path / "pki" / "admin.crt").read_bytes() == admin_certificate
    assert _identity(tmp_path / "admin.conf")[0] == "https://127.0.0.1:7443"


def test_a_new_node_gets_its_identity_and_the_serving_certificate_its_name(tmp_path, capsys):
    main(["--dir", str(tmp_path), *ARGS])
    capsys.readouterr()

    main(["--dir", str(tmp_path), "--server", SERVER, "--node-names", "node-a,node-b,node-c"])

    assert capsys.readouterr().out.strip().endswith("issued apiserver, kubelet-node-c")
    assert _identity(kubeconfig_path(tmp_path, "kubelet-node-c"))[1][0] == "system:node:node-c"


@pytest.mark.parametrize("bad", ["../escape", "Upper", "a_b"])
def test_node_names_that_are_not_dns_subdomains_are_refused(tmp_path, capsys, bad):
    assert main(["--dir", str(tmp_path), "--server", SERVER, "--node-names", bad]) == 2
    assert "RFC 1123 subdomain" in capsys.readouterr().err
    assert not tmp_path.joinpath("pki").exists()
