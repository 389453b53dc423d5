"""Token discovery: learn and pin the cluster CA from kube-public/cluster-info, as kubeadm's discovery/token.

discover_cluster(server, token, ca_cert_hashes):
    GET https://<server>/api/v1/namespaces/kube-public/configmaps/cluster-info   TLS NOT verified
        (the only unverified request; anonymous: kubeadm's Role lets anyone read it)
        no jws-kubeconfig-<token id> yet ──► ask again until the deadline (the signer adds it soon)
    JWS of data.kubeconfig with the token's secret == jws-kubeconfig-<id>?  no ──► DiscoveryError
    the kubeconfig's CA: sha256 of its SubjectPublicKeyInfo in ca_cert_hashes?  no ──► DiscoveryError
    GET the same again, TLS verified with that CA; the kubeconfig must be byte-identical
    ──► the CA (PEM)
ca_cert_hash(ca_pem) ──► "sha256:<hex>" (kubeadm's --discovery-token-ca-cert-hash)
write_bootstrap_kubeconfig(path, server, ca_pem, token) ──► the kubelet's --bootstrap-kubeconfig
"""

from __future__ import annotations

import base64
import hashlib
import os
import ssl
import time
from collections.abc import Iterable
from pathlib import Path

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kubemini.api import bootstrap_tokens as bt

CLUSTER_INFO_PATH = f"/api/v1/namespaces/{bt.CLUSTER_INFO_NAMESPACE}/configmaps/{bt.CLUSTER_INFO}"
DISCOVERY_TIMEOUT_SECONDS = 30.0
RETRY_INTERVAL_SECONDS = 1.0
REQUEST_TIMEOUT_SECONDS = 10.0
BOOTSTRAP_USER = "tls-bootstrap-token-user"  # kubeadm's name in bootstrap-kubelet.conf
KUBECONFIG_MODE = 0o600


class DiscoveryError(Exception):
    """The cluster cannot be trusted (or reached) with the token and hashes given."""


class NotYet(DiscoveryError):
    """Worth asking again until the deadline: the server is not answering, or our signature is not there yet."""


def ca_cert_hash(ca_pem: bytes | str) -> str:
    """kubeadm's pin: sha256 of the (first) CA certificate's DER SubjectPublicKeyInfo, lowercase hex."""
    data = ca_pem.encode() if isinstance(ca_pem, str) else ca_pem
    certificate = x509.load_pem_x509_certificate(data)
    spki = certificate.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def normalized_hashes(hashes: Iterable[str]) -> set[str]:
    """The pins, checked as kubeadm's pubkeypin.Set.Allow checks them."""
    pins = set()
    for pin in hashes:
        form, _, value = pin.partition(":")
        if not value or ":" in value:
            raise DiscoveryError('invalid hash, expected "format:hex-value". Known format(s) are: sha256')
        if form.lower() != "sha256":
            raise DiscoveryError(f'unknown hash format "{form}". Known format(s) are: sha256')
        if len(value) != 64:
            raise DiscoveryError(
                f'invalid hash "{pin}", expected a 32 byte SHA-256 hash, found {len(value) // 2} bytes'
            )
        try:
            bytes.fromhex(value)
        except ValueError as error:
            raise DiscoveryError(f'invalid hash "{pin}", could not decode SHA-256 from hex') from error
        pins.add("sha256:" + value.lower())
    return pins


def server_url(server: str) -> str:
    """`host:port` (kubeadm's API server endpoint) or a URL, as https://host:port."""
    return server.rstrip("/") if "://" in server else f"https://{server}"


def kubeconfig_ca(kubeconfig: str) -> bytes:
    try:
        clusters = (yaml.safe_load(kubeconfig) or {}).get("clusters") or []
        data = clusters[0]["cluster"]["certificate-authority-data"]
        return base64.b64decode(data)
    except (yaml.YAMLError, KeyError, IndexError, TypeError, AttributeError, ValueError) as error:
        raise DiscoveryError(f"malformed kubeconfig in the {bt.CLUSTER_INFO} ConfigMap: {error}") from error


def validated_kubeconfig(config_map: dict, token: bt.BootstrapToken) -> str:
    """data.kubeconfig, once its JWS for `token` holds (kubeadm's validateClusterInfoToken)."""
    data = config_map.get("data") or {}
    kubeconfig = data.get(bt.KUBECONFIG_KEY)
    if not kubeconfig:
        raise DiscoveryError(
            f"there is no {bt.KUBECONFIG_KEY} key in the {bt.CLUSTER_INFO} ConfigMap. This API Server isn't set up "
            "for token bootstrapping, can't connect"
        )
    signature = data.get(bt.JWS_KEY_PREFIX + token.id)
    if not signature:
        raise NotYet(
            f"there is no JWS signed token in the {bt.CLUSTER_INFO} ConfigMap. This token id {token.id!r} is invalid "
            'for this cluster or it has expired. Use "kubemini token create" on the control-plane node to create a '
            "new valid token"
        )
    if not bt.signature_is_valid(signature, kubeconfig, token):
        raise DiscoveryError(
            "failed to verify JWS signature of received cluster info object, can't trust this API Server"
        )
    return kubeconfig


def pinned_ca(kubeconfig: str, pins: set[str]) -> bytes:
    ca_pem = kubeconfig_ca(kubeconfig)
    try:
        found = ca_cert_hash(ca_pem)
    except ValueError as error:
        raise DiscoveryError(f"failed to parse cluster CA from the {bt.CLUSTER_INFO} ConfigMap: {error}") from error
    if found not in pins:
        raise DiscoveryError(
            f'cluster CA found in {bt.CLUSTER_INFO} ConfigMap is invalid: none of the public keys "{found}" are pinned'
        )
    return ca_pem


def _fetch(url: str, verify) -> dict:
    try:
        with httpx.Client(base_url=url, verify=verify, timeout=REQUEST_TIMEOUT_SECONDS) as client:
            response = client.get(CLUSTER_INFO_PATH)
    except httpx.HTTPError as error:
        raise NotYet(f"failed to request the {bt.CLUSTER_INFO} ConfigMap: {error}") from error
    if response.status_code != 200:
        raise DiscoveryError(
            f"failed to request the {bt.CLUSTER_INFO} ConfigMap: {response.status_code} {response.text[:200]}"
        )
    return response.json()


def _signed_cluster_info(url: str, token: bt.BootstrapToken, deadline: float) -> str:
    """The insecure fetch, asked again while the server does not answer or lacks our signature."""
    while True:
        try:
            return validated_kubeconfig(_fetch(url, verify=False), token)
        except NotYet:
            if time.monotonic() >= deadline:
                raise
        time.sleep(RETRY_INTERVAL_SECONDS)


def discover_cluster(
    server: str, token: str, ca_cert_hashes: Iterable[str], *, timeout_seconds: float = DISCOVERY_TIMEOUT_SECONDS
) -> bytes:
    """The cluster CA (PEM), trusted through `token`'s signature and the pinned `ca_cert_hashes`."""
    try:
        parsed = bt.parse_token(token)
    except bt.TokenError as error:
        raise DiscoveryError(str(error)) from error
    pins = normalized_hashes(ca_cert_hashes)
    if not pins:
        raise DiscoveryError("at least one --ca-cert-hash is required (the CA is pinned, as kubeadm's default)")
    url = server_url(server)
    kubeconfig = _signed_cluster_info(url, parsed, time.monotonic() + timeout_seconds)
    ca_pem = pinned_ca(kubeconfig, pins)
    secure = _fetch(url, verify=ssl.create_default_context(cadata=ca_pem.decode()))
    if (secure.get("data") or {}).get(bt.KUBECONFIG_KEY) != kubeconfig:
        raise DiscoveryError(
            f"the second kubeconfig from the {bt.CLUSTER_INFO} ConfigMap (using validated TLS) "
            "was different from the first"
        )
    return ca_pem


def bootstrap_kubeconfig(server: str, ca_pem: bytes, token: str) -> dict:
    name = "kubernetes"
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server_url(server),
                      "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": BOOTSTRAP_USER, "user": {"token": token}}],
        "contexts": [{"name": f"{BOOTSTRAP_USER}@{name}", "context": {"cluster": name, "user": BOOTSTRAP_USER}}],
        "current-context": f"{BOOTSTRAP_USER}@{name}",
        "preferences": {},
    }  # fmt: skip


def write_bootstrap_kubeconfig(path: str | Path, server: str, ca_pem: bytes, token: str) -> Path:
    """The kubeconfig a kubelet bootstraps with (mode 0600, written atomically)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KUBECONFIG_MODE)
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump(bootstrap_kubeconfig(server, ca_pem, token), handle, sort_keys=False)
    partial.replace(target)
    return target
