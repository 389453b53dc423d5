"""The flags of the secure port, authentication and authorization, as kube-apiserver names them.

--secure-port 6443 --tls-cert-file F --tls-private-key-file F   (no files: a self-signed pair in --cert-dir)
--client-ca-file F          client certificates signed by it authenticate (CN user, O groups)
--token-auth-file F         static bearer tokens (CSV)
--enable-bootstrap-token-auth   bootstrap tokens (kube-system Secrets) authenticate as system:bootstrap:<id>
--anonymous-auth            requests without credentials are system:anonymous (default true)
--authorization-mode Node,RBAC
--insecure-port N           plain HTTP on 127.0.0.1 only, trusted as system:masters (default 0: off)
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
from pathlib import Path

from apiserver.authentication.chain import AuthenticationSettings
from apiserver.authentication.token_file import load_token_file
from apiserver.serving import SecureListener

log = logging.getLogger("apiserver")
DEFAULT_AUTHORIZATION_MODES = "Node,RBAC"


def _env(name: str, default: str | None = None) -> str | None:
    return os.environ.get(name, default)


def _boolean(text: str) -> bool:
    """Go's strconv.ParseBool spellings, as kube-apiserver's boolean flags take them."""
    if text in ("1", "t", "T", "true", "TRUE", "True"):
        return True
    if text in ("0", "f", "F", "false", "FALSE", "False"):
        return False
    raise argparse.ArgumentTypeError(f"invalid boolean {text!r}")


def add_security_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--secure-port", type=int, default=int(_env("KUBEMINI_SECURE_PORT", "6443")))
    parser.add_argument("--tls-cert-file", default=_env("KUBEMINI_TLS_CERT_FILE"))
    parser.add_argument("--tls-private-key-file", default=_env("KUBEMINI_TLS_PRIVATE_KEY_FILE"))
    parser.add_argument("--cert-dir", default=_env("KUBEMINI_CERT_DIR"), help="where a self-signed pair is written")
    parser.add_argument("--client-ca-file", default=_env("KUBEMINI_CLIENT_CA_FILE"))
    parser.add_argument("--token-auth-file", default=_env("KUBEMINI_TOKEN_AUTH_FILE"))
    parser.add_argument(
        "--anonymous-auth",
        type=_boolean,
        nargs="?",
        const=True,
        default=_boolean(_env("KUBEMINI_ANONYMOUS_AUTH", "true")),
        help="requests without credentials are system:anonymous (`--anonymous-auth=false`: 401)",
    )
    parser.add_argument("--no-anonymous-auth", dest="anonymous_auth", action="store_false")
    parser.add_argument(
        "--enable-bootstrap-token-auth",
        type=_boolean,
        nargs="?",
        const=True,
        default=_boolean(_env("KUBEMINI_ENABLE_BOOTSTRAP_TOKEN_AUTH", "false")),
        help="bootstrap.kubernetes.io/token Secrets in kube-system authenticate as system:bootstrap:<id>",
    )
    parser.add_argument(
        "--authorization-mode",
        default=_env("KUBEMINI_AUTHORIZATION_MODE", DEFAULT_AUTHORIZATION_MODES),
        help="comma-separated authorizers: AlwaysAllow, AlwaysDeny, Node, RBAC",
    )
    parser.add_argument(
        "--insecure-port",
        "--port",
        dest="insecure_port",
        type=int,
        default=int(_env("KUBEMINI_INSECURE_PORT", "0")),
        help="plain HTTP on 127.0.0.1, no authentication, every request trusted (0: off, the default)",
    )


def _self_signed_pair(cert_dir: str | None) -> tuple[str, str]:
    from kubemini.pki.certificates import issue, new_authority

    directory = Path(cert_dir) if cert_dir else Path(tempfile.mkdtemp(prefix="kubemini-apiserver-"))
    directory.mkdir(parents=True, exist_ok=True)
    certificate, key = directory / "apiserver.crt", directory / "apiserver.key"
    if not certificate.exists() or not key.exists():
        authority = new_authority("kubemini-apiserver-self-signed-ca")
        pair = issue(authority, common_name="kube-apiserver", alternative_names=("127.0.0.1", "localhost"), server=True)
        key.write_bytes(pair.key_pem)
        key.chmod(0o600)
        certificate.write_bytes(pair.certificate_pem + authority.certificate_pem)
        log.warning("no --tls-cert-file: serving with a self-signed certificate in %s", directory)
    return str(certificate), str(key)


def secure_listener(args: argparse.Namespace) -> SecureListener | None:
    if not args.secure_port:
        return None
    certificate, key = args.tls_cert_file, args.tls_private_key_file
    if not certificate or not key:
        certificate, key = _self_signed_pair(args.cert_dir)
    return SecureListener(args.secure_port, certificate, key, args.client_ca_file)


def authentication_settings(args: argparse.Namespace) -> AuthenticationSettings:
    tokens = load_token_file(Path(args.token_auth_file)) if args.token_auth_file else {}
    return AuthenticationSettings(
        static_tokens=tokens, anonymous=args.anonymous_auth, bootstrap_tokens=args.enable_bootstrap_token_auth
    )
