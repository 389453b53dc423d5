"""How a client reaches and proves itself to the API server: URL, CA, client certificate or token.

    explicit ClientConfig ─┐
    --kubeconfig / KUBECONFIG / ~/.kube/config (current-context → cluster + user) ─┼─► ClientConfig
    in a pod: KUBERNETES_SERVICE_HOST + /var/run/secrets/kubernetes.io/serviceaccount ─┘
    ClientConfig.ssl_context()  CA to trust, client certificate to present (https only)
    ClientConfig.headers()      `Authorization: Bearer <token>` when the user has a token

Kubeconfig entries may hold data (`certificate-authority-data`, `client-certificate-data`,
`client-key-data`, base64) or file paths (relative to the kubeconfig's directory), as kubectl reads them.
"""

from __future__ import annotations

import base64
import os
import ssl
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class ClientConfig:
    server: str
    ca_pem: bytes | None = None
    certificate_pem: bytes | None = None
    key_pem: bytes | None = None
    token: str | None = None
    token_file: str | None = None  # read on every connection setup: projected tokens rotate
    insecure_skip_verify: bool = False

    @property
    def secure(self) -> bool:
        return self.server.startswith("https://")

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What httpx's `verify` takes: an SSL context for https, True for plain http."""
        if not self.secure:
            return True
        context = ssl.create_default_context(cadata=self.ca_pem.decode() if self.ca_pem else None)
        if self.ca_pem is None and not self.insecure_skip_verify:
            context.load_default_certs()
        if self.insecure_skip_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        if self.certificate_pem and self.key_pem:
            load_client_certificate(context, self.certificate_pem, self.key_pem)
        return context

    def bearer_token(self) -> str | None:
        if self.token:
            return self.token
        if self.token_file:
            try:
                return Path(self.token_file).read_text().strip() or None
            except OSError:
                return None
        return None

    def headers(self) -> dict[str, str]:
        token = self.bearer_token()
        return {"Authorization": f"Bearer {token}"} if token else {}


def load_client_certificate(context: ssl.SSLContext, certificate_pem: bytes, key_pem: bytes) -> None:
    """`ssl` loads a certificate chain only from files: a private temporary file, gone at once."""
    descriptor, name = tempfile.mkstemp(prefix="kubemini-client-", suffix=".pem")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(certificate_pem.rstrip(b"\n") + b"\n" + key_pem)
        context.load_cert_chain(name)
    finally:
        os.unlink(name)


def _named(entries: Any, name: str, field: str) -> dict[str, Any]:
    for entry in entries or []:
        if isinstance(entry, dict) and entry.get("name") == name and isinstance(entry.get(field), dict):
            return entry[field]
    return {}


def _material(section: Mapping[str, Any], key: str, base: Path) -> bytes | None:
    data = section.get(f"{key}-data")
    if data:
        return base64.b64decode(data)
    path = section.get(key)
    if path:
        resolved = Path(path).expanduser()
        return (resolved if resolved.is_absolute() else base / resolved).read_bytes()
    return None


def from_kubeconfig(
    config: Mapping[str, Any], *, base: Path = Path("."), context: str | None = None
) -> ClientConfig | None:
    """The current (or named) context's cluster and user; None when the file names no server."""
    context_name = context or config.get("current-context")
    chosen = _named(config.get("contexts"), context_name, "context") if context_name else {}
    cluster = _named(config.get("clusters"), chosen.get("cluster", ""), "cluster")
    server = cluster.get("server")
    if not server:
        return None
    user = _named(config.get("users"), chosen.get("user", ""), "user")
    token_file = user.get("tokenFile")
    if token_file and not Path(token_file).is_absolute():
        token_file = str(base / token_file)
    return ClientConfig(
        server=str(server).rstrip("/"),
        ca_pem=_material(cluster, "certificate-authority", base),
        certificate_pem=_material(user, "client-certificate", base),
        key_pem=_material(user, "client-key", base),
        token=user.get("token") or None,
        token_file=token_file,
        insecure_skip_verify=bool(cluster.get("insecure-skip-tls-verify")),
    )


def in_cluster(environ: Mapping[str, str], directory: Path = SERVICE_ACCOUNT_DIR) -> ClientConfig | None:
    """A pod's own credentials, as client-go's InClusterConfig reads them."""
    host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
    token = directory / "token"
    if not host or not port or not token.exists():
        return None
    ca = directory / "ca.crt"
    host = f"[{host}]" if ":" in host else host
    return ClientConfig(
        server=f"https://{host}:{port}",
        ca_pem=ca.read_bytes() if ca.exists() else None,
        token_file=str(token),
    )
