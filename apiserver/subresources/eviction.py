"""`pods/eviction`: a policy/v1 Eviction deletes the pod gracefully unless a disruption budget forbids it.

    POST pods/<name>/eviction {deleteOptions}
        pod finished, Pending or already deleting ──► delete (no budget can be lowered)
        budgets selecting the pod: none ──► delete;  more than one ──► 500 (as Kubernetes)
        one budget:
            pod not ready + AlwaysAllow, or not ready while the budget is healthy ──► delete
            status not caught up with its generation ──► 429 (still being processed)
            disruptionsAllowed 0 ──► 429 TooManyRequests "Cannot evict pod as it would violate …"
            else ──► PUT the budget's status: disruptionsAllowed - 1, the pod in disruptedPods,
                     with the resourceVersion read (a concurrent eviction makes it 409: look again)
        before deleting: the pod's DisruptionTarget condition (EvictionByEvictionAPI)
Decrementing through the budget's status is what keeps two concurrent evictions from both
spending the last allowed disruption (Kubernetes' eviction REST does the same).
"""

from __future__ import annotations

from fastapi.responses import JSONResponse, Response

from apiserver.deleting import DeleteOptions, delete_object
from apiserver.errors import ApiError, bad_request
from apiserver.metadata import STATUS
from apiserver.reading import ListQuery, get_object, list_objects
from apiserver.request_info import RequestInfo
from apiserver.typed_objects import typed_document
from apiserver.writing import update_object
from kubemini.api import disruption, timestamps
from kubemini.api.pods import is_ready
from kubemini.api.registry import by_kind
from kubemini.api.status import success_status

EVICTION_DEFINITION = "io.k8s.api.policy.v1.Eviction"
PDB = by_kind("PodDisruptionBudget")
MAX_EVICTION_RETRIES = 10


def check_eviction(body: object, name: str) -> dict:
    eviction = typed_document(EVICTION_DEFINITION, body, kind="Eviction")
    body_name = (eviction.get("metadata") or {}).get("name")
    if body_name and body_name != name:
        raise bad_request(f"name in URL does not match name in Eviction object: {name} != {body_name}")
    return eviction.get("deleteOptions") or {}


def _too_many_requests(cause: str) -> ApiError:
    return ApiError(
        429,
        disruption.VIOLATION_MESSAGE,
        reason="TooManyRequests",
        details={"causes": [{"reason": "DisruptionBudget", "message": cause}]},
    )


def spend_disruption(pdb: dict, pod_name: str) -> dict:
    """The budget after one more disruption, or the refusal Kubernetes answers with."""
    status = pdb.get("status") or {}
    name = pdb["metadata"]["name"]
    if int(status.get("observedGeneration") or 0) < int(pdb["metadata"].get("generation") or 0):
        raise _too_many_requests(f"The disruption budget {name} is still being processed by the server.")
    allowed = int(status.get("disruptionsAllowed") or 0)
    if allowed < 0:
        raise ApiError(403, "pdb disruptions allowed is negative", reason="Forbidden")
    if len(status.get("disruptedPods") or {}) > disruption.MAX_DISRUPTED_PODS:
        raise ApiError(403, "DisruptedPods map too big - too many evictions not confirmed by PDB controller")
    if allowed == 0:
        raise _too_many_requests(
            f"The disruption budget {name} needs {status.get('desiredHealthy', 0)} healthy pods "
            f"and has {status.get('currentHealthy', 0)} currently"
        )
    status = {**status, "disruptionsAllowed": allowed - 1}
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: timestamps.now()}
    if allowed - 1 == 0:
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != disruption.DISRUPTION_ALLOWED]
        conditions.append(
            {"type": disruption.DISRUPTION_ALLOWED, "status": "False", "reason": "InsufficientPods", "message": "",
             "lastTransitionTime": timestamps.now(), "observedGeneration": status.get("observedGeneration", 0)}
        )  # fmt: skip
        status["conditions"] = conditions
    return {**pdb, "status": status}


def _with_disruption_target(pod: dict) -> dict:
    status = pod.setdefault("status", {})
    conditions = [c for c in status.get("conditions") or [] if c.get("type") != disruption.DISRUPTION_TARGET]
    conditions.append(
        {"type": disruption.DISRUPTION_TARGET, "status": "True", "reason": "EvictionByEvictionAPI",
         "message": "Eviction API: evicting", "lastTransitionTime": timestamps.now()}
    )  # fmt: skip
    status["conditions"] = conditions
    return pod


async def _delete(ctx, info: RequestInfo, pod: dict, options: DeleteOptions) -> Response:
    if pod.get("status", {}).get("phase") not in ("Succeeded", "Failed") and not ctx.dry_run:
        await update_object(ctx, info.with_subresource("status"), _with_disruption_target, mode=STATUS)
    await delete_object(ctx, info, options)
    return JSONResponse(success_status(kind="pods", name=info.name or ""), status_code=201)


async def evict(ctx, info: RequestInfo, body: object) -> Response:
    options = DeleteOptions.from_body(check_eviction(body, info.name or ""))
    info = info.main()
    for _ in range(MAX_EVICTION_RETRIES):
        pod = await get_object(ctx, info)
        if disruption.budget_irrelevant(pod):
            return await _delete(ctx, info, pod, options)
        listing, _ = await list_objects(ctx, RequestInfo(PDB, info.namespace, None, None), ListQuery())
        budgets = [pdb for pdb in listing if disruption.selects(pdb, pod)]
        if not budgets:
            return await _delete(ctx, info, pod, options)
        if len(budgets) > 1:
            raise ApiError(
                500, "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."
            )
        pdb = budgets[0]
        status, spec = pdb.get("status") or {}, pdb.get("spec") or {}
        if not is_ready(pod):
            if spec.get("unhealthyPodEvictionPolicy") == disruption.ALWAYS_ALLOW:
                return await _delete(ctx, info, pod, options)
            desired = int(status.get("desiredHealthy") or 0)
            if desired > 0 and int(status.get("currentHealthy") or 0) >= desired:
                return await _delete(ctx, info, pod, options)
        spent = spend_disruption(pdb, info.name or "")
        if ctx.dry_run:
            return JSONResponse(success_status(kind="pods", name=info.name or ""), status_code=201)
        budget = RequestInfo(PDB, info.namespace, pdb["metadata"]["name"], "status")
        try:
            revision = pdb["metadata"]["resourceVersion"]
            await update_object(ctx, budget, lambda _old, new=spent: new, expected_revision=revision, mode=STATUS)
        except ApiError as error:
            if error.code == 409:
                continue  # another eviction spent from the same budget first: decide again
            raise
        return await _delete(ctx, info, pod, options)
    raise ApiError(429, "too many concurrent evictions, try again", reason="TooManyRequests")
