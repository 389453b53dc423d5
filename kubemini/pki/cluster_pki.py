"""The files of a cluster's PKI directory, made once and kept while valid.

    <dir>/ca.crt ca.key                      the cluster CA (kept; every other file is signed by it)
    <dir>/apiserver.crt apiserver.key        serving certificate: 127.0.0.1, localhost, node names,
                                             the `kubernetes` Service IP, kubernetes.default.svc...
    <dir>/<identity>.crt <identity>.key      one client certificate per identity (IDENTITIES)

`ensure` issues what is missing, what another CA signed, what lacks a wanted name and what has
less than a third of its validity left; `renew` reissues every leaf certificate.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509

from kubemini.pki.certificates import KeyPair, issue, new_authority, remaining_fraction

RENEW_BELOW_FRACTION = 1 / 3
SERVICE_DNS_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
)


@dataclass(frozen=True)
class ClientIdentity:
    file_stem: str
    user: str
    groups: tuple[str, ...] = ()


ADMIN = ClientIdentity("admin", "kubernetes-admin", ("system:masters",))
SCHEDULER = ClientIdentity("kube-scheduler", "system:kube-scheduler")
CONTROLLER_MANAGER = ClientIdentity("kube-controller-manager", "system:kube-controller-manager")
KUBE_PROXY = ClientIdentity("kube-proxy", "system:kube-proxy")
INGRESS_CONTROLLER = ClientIdentity("ingress-controller", "system:kubemini:ingress-controller")
METRICS_SERVER = ClientIdentity("metrics-server", "system:metrics-server")
# Bound to no role: the dashboard acts only with the tokens its users log in with.
DASHBOARD = ClientIdentity("dashboard", "system:kubemini:dashboard")
# The API server's own client identity towards kubelets (logs, exec, port-forward).
APISERVER_KUBELET_CLIENT = ClientIdentity(
    "apiserver-kubelet-client", "kube-apiserver-kubelet-client", ("system:masters",)
)


def kubelet_identity(node_name: str) -> ClientIdentity:
    return ClientIdentity(f"kubelet-{node_name}", f"system:node:{node_name}", ("system:nodes",))


def service_ip(service_cidr: str) -> str:
    """The `kubernetes` Service's ClusterIP: the first address of the range."""
    return str(next(ipaddress.ip_network(service_cidr, strict=False).hosts()))


class ClusterPki:
    def __init__(self, directory: Path):
        self.directory = Path(directory)

    def path(self, name: str) -> Path:
        return self.directory / name

    @property
    def ca_path(self) -> Path:
        return self.path("ca.crt")

    @property
    def ca_key_path(self) -> Path:
        return self.path("ca.key")

    def certificate_path(self, stem: str) -> Path:
        return self.path(f"{stem}.crt")

    def key_path(self, stem: str) -> Path:
        return self.path(f"{stem}.key")

    def _write(self, stem: str, pair: KeyPair) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        _write_private(self.key_path(stem), pair.key_pem)
        _write_private(self.certificate_path(stem), pair.certificate_pem)

    def read(self, stem: str) -> KeyPair | None:
        try:
            return KeyPair(self.certificate_path(stem).read_bytes(), self.key_path(stem).read_bytes())
        except FileNotFoundError:
            return None

    def authority(self) -> KeyPair:
        existing = self.read("ca")
        if existing is None:
            existing = new_authority()
            self._write("ca", existing)
        return existing

    def _needs_issue(self, stem: str, authority: KeyPair, names: tuple[str, ...], *, force: bool) -> bool:
        existing = self.read(stem)
        if existing is None or force:
            return True
        try:
            certificate = existing.certificate
        except ValueError:
            return True
        if (
            certificate.issuer != authority.certificate.subject
            or remaining_fraction(certificate) < RENEW_BELOW_FRACTION
        ):
            return True
        if not names:
            return False
        try:
            present = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        except x509.ExtensionNotFound:
            return True
        have = {str(v) for v in present.get_values_for_type(x509.DNSName)}
        have |= {str(v) for v in present.get_values_for_type(x509.IPAddress)}
        return not set(names) <= have

    def ensure(
        self,
        *,
        server_names: tuple[str, ...],
        clients: tuple[ClientIdentity, ...],
        force: bool = False,
    ) -> list[str]:
        """Issue what is missing or due; the stems (re)issued."""
        authority = self.authority()
        issued = []
        if self._needs_issue("apiserver", authority, server_names, force=force):
            self._write(
                "apiserver",
                issue(
                    authority, common_name="kube-apiserver", alternative_names=server_names, server=True, client=False
                ),
            )
            issued.append("apiserver")
        for identity in clients:
            if self._needs_issue(identity.file_stem, authority, (), force=force):
                pair = issue(authority, common_name=identity.user, organizations=identity.groups)
                self._write(identity.file_stem, pair)
                issued.append(identity.file_stem)
        return issued


def server_names(*, node_names: tuple[str, ...], service_cidr: str, extra: tuple[str, ...] = ()) -> tuple[str, ...]:
    names = ["127.0.0.1", "localhost", *SERVICE_DNS_NAMES, service_ip(service_cidr), *node_names, *extra]
    return tuple(dict.fromkeys(names))


def _write_private(path: Path, data: bytes) -> None:
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    partial.replace(path)
