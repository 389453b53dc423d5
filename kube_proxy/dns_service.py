"""Keeping the `kube-dns` Service in kube-system, so the allocator never hands out the DNS address.

    start ──► GET kube-system/kube-dns
        missing ──► create it with `clusterIP: <cluster DNS address>` (no selector: kube-proxy
                    answers DNS itself, nothing to proxy and no Endpoints to write)
        present on another IP / address taken / outside the range ──► log once, stop trying
    apiserver unreachable ──► retry with backoff until it answers

Kubernetes reserves the DNS ClusterIP the same way: it is an ordinary Service.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.backoff import Backoff
from kubemini.client.errors import AlreadyExists, ApiError, Invalid, NotFound

SERVICE = by_kind("Service")
DNS_SERVICE_NAMESPACE = "kube-system"
DNS_SERVICE_NAME = "kube-dns"
RETRY_INITIAL_SECONDS = 0.5
RETRY_MAX_SECONDS = 15.0

log = logging.getLogger(__name__)


def dns_service(address: str, *, port: int = 53) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": DNS_SERVICE_NAME,
            "namespace": DNS_SERVICE_NAMESPACE,
            "labels": {"k8s-app": "kube-dns", "kubernetes.io/name": "KubeDNS"},
        },
        "spec": {
            "clusterIP": address,
            "ports": [
                {"name": "dns", "port": port, "protocol": "UDP", "targetPort": port},
                {"name": "dns-tcp", "port": port, "protocol": "TCP", "targetPort": port},
            ],
        },
    }


async def ensure_dns_service(client: ApiClient, address: str, *, port: int = 53) -> bool:
    """True once the Service holds `address`; False when another owner has it (logged)."""
    backoff = Backoff(RETRY_INITIAL_SECONDS, RETRY_MAX_SECONDS)
    while True:
        try:
            try:
                current = await client.get(SERVICE, DNS_SERVICE_NAME, namespace=DNS_SERVICE_NAMESPACE)
            except NotFound:
                current = await client.create(SERVICE, dns_service(address, port=port))
                log.info("created Service %s/%s on %s", DNS_SERVICE_NAMESPACE, DNS_SERVICE_NAME, address)
        except AlreadyExists:
            continue  # another kube-proxy created it between our GET and POST: read it again
        except Invalid as error:
            log.error(
                "cannot reserve the cluster DNS address %s with Service %s/%s: %s",
                address,
                DNS_SERVICE_NAMESPACE,
                DNS_SERVICE_NAME,
                error,
            )
            return False
        except ApiError as error:
            delay = backoff.next_delay()
            log.warning("cannot check Service kube-system/kube-dns yet (%s); retrying in %.1fs", error, delay)
            await asyncio.sleep(delay)
            continue
        held = (current.get("spec") or {}).get("clusterIP")
        if held != address:
            log.error(
                "Service %s/%s has clusterIP %s, not the cluster DNS address %s: pods will not find DNS",
                DNS_SERVICE_NAMESPACE,
                DNS_SERVICE_NAME,
                held,
                address,
            )
            return False
        return True
