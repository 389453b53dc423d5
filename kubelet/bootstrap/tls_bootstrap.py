"""Kubelet TLS bootstrapping (`--bootstrap-kubeconfig`), as upstream's LoadClientCert.

    --kubeconfig holds a client certificate valid now, with 20 % of its life left? ──► nothing to do
    valid but nearer its end ──► the same request with the node's own certificate (selfnodeclient);
                                 refused or unreachable: carry on with the current one
    else, with the bootstrap kubeconfig's credentials (a bootstrap token):
        key: <cert-dir>/kubelet-client.key.tmp, made once (ECDSA P-256) so a restart asks again
             under the same CSR name instead of piling up requests
        POST node_csr(node name, key)         409 ──► the one asked before (same key ⇒ same name)
        watch the CSR until Approved + status.certificate (Denied/Failed ──► BootstrapError)
        <cert-dir>/kubelet-client-current.pem = certificate + key (0600)
        --kubeconfig = the bootstrap kubeconfig's cluster + the certificate and key embedded (0600)
The csrapproving controller approves it (the token's group may create certificatesigningrequests/nodeclient)
and csrsigning issues it with the cluster CA; the kubelet then runs as system:node:<name>.
"""

from __future__ import annotations

import asyncio
import logging
import os
from datetime import UTC, datetime
from pathlib import Path

from kubelet.bootstrap.node_csr import MISSING, VALID, client_certificate_state, csr_outcome, new_key, node_csr
from kubemini.api.registry import by_kind
from kubemini.cli.kubeconfig import build_kubeconfig, write_kubeconfig
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, ApiError, ConnectionFailed, Gone
from kubemini.client.kubeconfig import load_kubeconfig, resolve_config
from kubemini.pki.certificates import KeyPair

CSR = by_kind("CertificateSigningRequest")
WAIT_SECONDS = 3600.0  # upstream waits an hour for the certificate
KEY_FILE, PAIR_FILE = "kubelet-client.key.tmp", "kubelet-client-current.pem"
PRIVATE_MODE = 0o600
RELIST_PAUSE_SECONDS = 1.0

log = logging.getLogger("kubelet.bootstrap")


class BootstrapError(Exception):
    """The node's certificate cannot be had with the bootstrap credentials."""


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_MODE)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    partial.replace(path)


def _key(cert_dir: Path) -> bytes:
    path = cert_dir / KEY_FILE
    if path.exists():
        return path.read_bytes()
    key = new_key()
    _write_private(path, key)
    return key


async def _wait_for_certificate(client: ApiClient, name: str) -> bytes:
    selector = f"metadata.name={name}"
    while True:
        listed = await client.list(CSR, field_selector=selector)
        for csr in listed.get("items") or []:
            certificate, refused = csr_outcome(csr)
            if refused:
                raise BootstrapError(refused)
            if certificate:
                return certificate
        version = (listed.get("metadata") or {}).get("resourceVersion")
        try:
            async for event in client.watch(CSR, field_selector=selector, resource_version=version):
                if event.type not in ("ADDED", "MODIFIED"):
                    continue
                certificate, refused = csr_outcome(event.object)
                if refused:
                    raise BootstrapError(refused)
                if certificate:
                    return certificate
        except (Gone, ConnectionFailed):
            await asyncio.sleep(RELIST_PAUSE_SECONDS)  # list again from now


async def request_node_certificate(client: ApiClient, node_name: str, key_pem: bytes) -> bytes:
    csr = node_csr(node_name, key_pem)
    name = csr["metadata"]["name"]
    try:
        await client.create(CSR, csr)
        log.info("requested the client certificate of node %s: CSR %s", node_name, name)
    except AlreadyExists:
        log.info("waiting on the earlier CSR %s of node %s", name, node_name)
    return await _wait_for_certificate(client, name)


async def _obtain(config, node_name: str, directory: Path, timeout_seconds: float) -> KeyPair:
    key_pem = _key(directory)
    async with ApiClient(config, user_agent="kubemini-kubelet") as client:
        try:
            certificate = await asyncio.wait_for(
                request_node_certificate(client, node_name, key_pem), timeout=timeout_seconds
            )
        except TimeoutError as error:
            raise BootstrapError(
                f"timed out after {timeout_seconds:.0f}s waiting for the client certificate"
            ) from error
    _write_private(directory / PAIR_FILE, certificate + key_pem)
    (directory / KEY_FILE).unlink(missing_ok=True)
    return KeyPair(certificate, key_pem)


async def bootstrap_client_certificate(
    *,
    kubeconfig: str | None,
    bootstrap_kubeconfig: str,
    cert_dir: str,
    node_name: str,
    server: str | None = None,
    timeout_seconds: float = WAIT_SECONDS,
) -> bool:
    """Make sure `kubeconfig` holds a valid client certificate of system:node:<node_name>; True when a
    new one was written."""
    if not kubeconfig:
        raise BootstrapError("--bootstrap-kubeconfig needs --kubeconfig: the file the node's own credentials go to")
    state = client_certificate_state(load_kubeconfig(Path(kubeconfig)), datetime.now(UTC))
    if state == VALID:
        return False
    if state == MISSING:
        if not Path(bootstrap_kubeconfig).exists():
            raise BootstrapError(f"unable to load bootstrap kubeconfig: stat {bootstrap_kubeconfig}: no such file")
        config = resolve_config(server, kubeconfig=bootstrap_kubeconfig)
        pair = await _obtain(config, node_name, Path(cert_dir), timeout_seconds)
    else:
        config = resolve_config(server, kubeconfig=kubeconfig)
        try:
            pair = await _obtain(config, node_name, Path(cert_dir), timeout_seconds)
        except (ApiError, BootstrapError) as error:
            log.warning(
                "node %s: renewing the client certificate failed, keeping the current one: %s", node_name, error
            )
            return False
    cluster = build_kubeconfig(config.server, name="default-cluster", ca_pem=config.ca_pem, client=pair)
    write_kubeconfig(Path(kubeconfig), cluster)
    log.info(
        "node %s: client certificate %s into %s",
        node_name,
        "renewed" if state != MISSING else "bootstrapped",
        kubeconfig,
    )
    return True
