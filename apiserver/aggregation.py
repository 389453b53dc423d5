"""The aggregation layer for metrics.k8s.io: requests answered by the component an APIService names.

    GET /apis/metrics.k8s.io/v1beta1/[namespaces/{ns}/]pods[/{name}], .../nodes[/{name}]
        ──► APIService v1beta1.metrics.k8s.io (etcd) ──► spec.service {namespace, name, port}
        ──► that Service's Endpoints (etcd): the first ready address and the port of the service port
        ──► GET http://address:port<same path>?<same query> (JSON) ──► its answer, or a Table of it
The group's resources are records in the registry (`virtual="aggregated"`), so discovery, OpenAPI
and `kubectl api-resources` list them like any built-in; only the answers come from elsewhere, as
kube-aggregator does it. No APIService with a service, no endpoint, or one that does not answer:
503 "the server is currently unable to handle the request", upstream's words. Only loopback
endpoints are dialled (this machine talks to nothing else).
"""

from __future__ import annotations

import ipaddress

import httpx
from fastapi import Request
from fastapi.responses import Response

from apiserver.errors import ApiError, method_not_allowed
from apiserver.negotiation import JSON, TABLE, choose, render
from apiserver.request_info import RequestInfo
from apiserver.request_params import TRUE_VALUES
from apiserver.tables import to_table
from apiserver.writing import read_stored
from kubemini.api.registry import by_kind
from kubemini.json_codec import loads

APISERVICE, SERVICE, ENDPOINTS = by_kind("APIService"), by_kind("Service"), by_kind("Endpoints")
TIMEOUT_SECONDS = 10.0
UNAVAILABLE = "the server is currently unable to handle the request"


def _unavailable(why: str) -> ApiError:
    return ApiError(503, UNAVAILABLE, reason="ServiceUnavailable", details={"causes": [{"message": why}]})


async def _stored(ctx, record, name: str, namespace: str | None) -> dict | None:
    try:
        return (await read_stored(ctx, RequestInfo(record, namespace, name, None))).obj
    except ApiError as error:
        if error.code == 404:
            return None
        raise


def _endpoint(endpoints: dict, service: dict, port: int) -> tuple[str, int] | None:
    port_name = next(
        (p.get("name") for p in (service.get("spec") or {}).get("ports") or [] if p.get("port") == port), None
    )
    for subset in endpoints.get("subsets") or []:
        ports = subset.get("ports") or []
        chosen = next((p for p in ports if p.get("name") == port_name), ports[0] if ports else None)
        for address in subset.get("addresses") or []:
            if chosen and address.get("ip"):
                return address["ip"], int(chosen["port"])
    return None


async def backend_address(ctx, group: str, version: str) -> tuple[str, int]:
    api_service = await _stored(ctx, APISERVICE, f"{version}.{group}", None)
    reference = ((api_service or {}).get("spec") or {}).get("service")
    if not reference:
        raise _unavailable(f"no APIService {version}.{group} naming a service")
    namespace, name = reference.get("namespace") or "default", reference.get("name") or ""
    service = await _stored(ctx, SERVICE, name, namespace)
    endpoints = await _stored(ctx, ENDPOINTS, name, namespace)
    found = _endpoint(endpoints or {}, service or {}, int(reference.get("port") or 443))
    if found is None:
        raise _unavailable(f"service {namespace}/{name} has no endpoints")
    try:
        loopback = ipaddress.ip_address(found[0]).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise _unavailable(f"service {namespace}/{name} endpoint {found[0]} is not on loopback")
    return found


async def serve_aggregated(ctx, info: RequestInfo, request: Request) -> Response:
    if request.method != "GET" or request.query_params.get("watch") in TRUE_VALUES:
        raise method_not_allowed()
    form = choose(request.headers.get("accept", ""))
    host, port = await backend_address(ctx, info.resource.group, info.resource.version)
    url = f"http://{host}:{port}{request.scope['path']}"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS, trust_env=False) as client:
            answer = await client.get(url, params=request.query_params, headers={"Accept": "application/json"})
    except httpx.HTTPError as error:
        raise _unavailable(f"{url}: {error}") from error
    try:
        body = loads(answer.content)
    except ValueError as error:
        raise _unavailable(f"{url} answered {answer.status_code} with no JSON") from error
    if answer.status_code != 200 or form == JSON:
        return render(body, JSON, code=answer.status_code)
    if form == TABLE:
        items = body.get("items") if info.name is None else [body]
        return render(to_table(info.resource, items or [], list_metadata=body.get("metadata") or {}), JSON)
    return render(body, form)
