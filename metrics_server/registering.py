"""Tell the apiserver where metrics.k8s.io is served: this process, at its own address.

    Service kube-system/metrics-server (headless, no selector: nothing else manages it)
    Endpoints kube-system/metrics-server ──► <bind address>:<port> of this process
    APIService v1beta1.metrics.k8s.io ──► spec.service kube-system/metrics-server:443, status Available
Written on start (created, or brought up to date if a previous run left them), so a restarted
metrics component on another port is found again at once.
"""

from __future__ import annotations

from typing import Any

from kubemini.api import timestamps
from kubemini.api.kinds.metrics import API_SERVICE_NAME, GROUP, VERSION
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, Conflict

APISERVICE, SERVICE, ENDPOINTS = by_kind("APIService"), by_kind("Service"), by_kind("Endpoints")
SERVICE_NAMESPACE, SERVICE_NAME, SERVICE_PORT = "kube-system", "metrics-server", 443
LABELS = {"k8s-app": "metrics-server"}


def _meta(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(LABELS)}
    if namespace:
        meta["namespace"] = namespace
    return meta


def desired_objects(host: str, port: int) -> list[tuple[Any, dict[str, Any]]]:
    service = {
        "metadata": _meta(SERVICE_NAME, SERVICE_NAMESPACE),
        "spec": {"clusterIP": "None", "ports": [{"name": "http", "port": SERVICE_PORT, "targetPort": port}]},
    }
    endpoints = {
        "metadata": _meta(SERVICE_NAME, SERVICE_NAMESPACE),
        "subsets": [{"addresses": [{"ip": host}], "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}],
    }
    api_service = {
        "metadata": _meta(API_SERVICE_NAME),
        "spec": {
            "group": GROUP,
            "version": VERSION,
            "service": {"namespace": SERVICE_NAMESPACE, "name": SERVICE_NAME, "port": SERVICE_PORT},
            "insecureSkipTLSVerify": True,
            "groupPriorityMinimum": 100,
            "versionPriority": 100,
        },
        "status": {
            "conditions": [
                {
                    "type": "Available",
                    "status": "True",
                    "reason": "Passed",
                    "message": "all checks passed",
                    "lastTransitionTime": timestamps.now(),
                }
            ]
        },
    }
    return [(SERVICE, service), (ENDPOINTS, endpoints), (APISERVICE, api_service)]


async def _put(client: ApiClient, record, desired: dict[str, Any]) -> None:
    namespace = desired["metadata"].get("namespace")
    try:
        await client.create(
            record, {"apiVersion": record.api_version, "kind": record.kind, **desired}, namespace=namespace
        )
        return
    except AlreadyExists:
        pass
    for _ in range(5):
        live = await client.get(record, desired["metadata"]["name"], namespace=namespace)
        for key in ("spec", "subsets"):
            if key in desired:
                live[key] = {**(live.get(key) or {}), **desired[key]} if key == "spec" else desired[key]
        try:
            live = await client.update(record, live)
            if "status" in desired:
                live["status"] = desired["status"]
                await client.update_status(record, live)
            return
        except Conflict:
            continue


async def register(client: ApiClient, *, host: str, port: int) -> None:
    for record, desired in desired_objects(host, port):
        await _put(client, record, desired)
