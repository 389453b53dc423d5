"""Resources that are answered, never stored: `bindings` (bind a pod), `componentstatuses` (health), and
the access, rules, token and self-subject reviews (apiserver/authorization/reviews.py,
apiserver/authentication/reviews.py).

POST .../namespaces/{ns}/bindings   a Binding named like its pod: the same as pods/{name}/binding
GET  /api/v1/componentstatuses[/name]  scheduler and controller-manager health from their leader
                                       Leases (renewed within their duration), etcd from a read
"""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request
from fastapi.responses import Response

from apiserver.aggregation import serve_aggregated
from apiserver.authentication import reviews as authentication_reviews
from apiserver.authorization import reviews
from apiserver.decoding.reading import read_object
from apiserver.errors import method_not_allowed, not_found
from apiserver.negotiation import JSON, TABLE, choose, render
from apiserver.request_info import RequestInfo
from apiserver.storage.errors import StorageError
from apiserver.subresources import binding
from apiserver.tables import to_table
from kubemini.api import registry, timestamps

PODS = registry.by_kind("Pod")
LEASES = registry.by_kind("Lease")
LEADER_LEASES = {"scheduler": "kube-scheduler", "controller-manager": "kube-controller-manager"}


async def _bind(ctx, info: RequestInfo, request: Request) -> Response:
    if request.method != "POST" or info.name is not None:
        raise method_not_allowed()
    decoded = await read_object(request)
    target = binding.check_binding(decoded.document)
    pod = RequestInfo(PODS, info.namespace, target["metadata"].get("name", ""), "binding")
    return await binding.bind(ctx, pod, target)


def _healthy(name: str, ok: bool, message: str, error: str = "") -> dict:
    condition = {"type": "Healthy", "status": "True" if ok else "False", "message": message}
    if error:
        condition["error"] = error
    return {"kind": "ComponentStatus", "apiVersion": "v1", "metadata": {"name": name}, "conditions": [condition]}


def _lease_fresh(lease: dict | None) -> bool:
    spec = (lease or {}).get("spec") or {}
    renewed, duration = spec.get("renewTime"), spec.get("leaseDurationSeconds") or 15
    if not renewed:
        return False
    try:
        return (datetime.now(UTC) - timestamps.parse(renewed)).total_seconds() <= duration
    except ValueError:
        return False


async def component_statuses(ctx) -> list[dict]:
    leases = ctx.cache(LEASES).objects
    statuses = []
    for component, lease_name in LEADER_LEASES.items():
        lease = leases.get(LEASES.storage_key(lease_name, "kube-system"))
        fresh = _lease_fresh(lease)
        statuses.append(
            _healthy(
                component,
                fresh,
                "ok" if fresh else "no leader has renewed its lease",
                "" if fresh else f"lease kube-system/{lease_name} is stale or missing",
            )
        )
    try:
        await ctx.store.current_revision()
        statuses.append(_healthy("etcd-0", True, "ok"))
    except StorageError as exc:
        statuses.append(_healthy("etcd-0", False, "", str(exc)))
    return statuses


async def _component_statuses(ctx, info: RequestInfo, request: Request) -> Response:
    if request.method != "GET":
        raise method_not_allowed()
    form = choose(request.headers.get("accept", ""))
    statuses = await component_statuses(ctx)
    if info.name is not None:
        found = [s for s in statuses if s["metadata"]["name"] == info.name]
        if not found:
            raise not_found(info.resource, info.name)
        statuses = found
        if form != TABLE:
            return render(found[0], form)
    if form == TABLE:
        return render(to_table(info.resource, statuses, list_metadata={}), JSON)
    return render({"kind": "ComponentStatusList", "apiVersion": "v1", "metadata": {}, "items": statuses}, form)


VIRTUAL_HANDLERS = {
    "binding": _bind,
    "componentstatus": _component_statuses,
    "aggregated": serve_aggregated,
    "access-review": reviews.serve_access_review,
    "rules-review": reviews.serve_rules_review,
    "authentication-review": authentication_reviews.serve_review,
}
