"""authorization.k8s.io/v1: ask the authorizers a question (what `kubectl auth can-i` sends).

    POST subjectaccessreviews            spec {user, groups, extra, uid, resourceAttributes |
                                                nonResourceAttributes}   ──► that user's answer
    POST namespaces/<ns>/localsubjectaccessreviews   the same, only for resources in <ns>
    POST selfsubjectaccessreviews        spec {resourceAttributes | nonResourceAttributes}
                                                                         ──► the caller's answer
    POST selfsubjectrulesreviews         spec {namespace}  ──► status {resourceRules, nonResourceRules,
                                                                        incomplete}
    ──► 201, the review with status {allowed, denied (on a DENY), reason}
Nothing is stored; the answer comes from `ctx.authorization` (chain.py).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import Decision, RequestAttributes
from apiserver.authorization.chain import authorize
from apiserver.decoding.reading import read_object
from apiserver.errors import bad_request, invalid, method_not_allowed
from apiserver.request_info import RequestInfo
from apiserver.typed_objects import typed_document
from kubemini.api.field_errors import FieldErrors

GROUP_VERSION = "authorization.k8s.io/v1"


def attributes_of(user: UserInfo, spec: dict) -> RequestAttributes:
    resource = spec.get("resourceAttributes")
    if resource is not None:
        return RequestAttributes(
            user,
            resource.get("verb", ""),
            True,
            namespace=resource.get("namespace", ""),
            api_group=resource.get("group", ""),
            api_version=resource.get("version", ""),
            resource=resource.get("resource", ""),
            subresource=resource.get("subresource", ""),
            name=resource.get("name", ""),
        )
    non_resource = spec.get("nonResourceAttributes") or {}
    return RequestAttributes(user, non_resource.get("verb", ""), False, path=non_resource.get("path", ""))


def check_attributes(spec: dict, errors: FieldErrors) -> None:
    has_resource, has_path = spec.get("resourceAttributes") is not None, spec.get("nonResourceAttributes") is not None
    if has_resource and has_path:
        errors.invalid(
            "spec.nonResourceAttributes", spec["nonResourceAttributes"], "cannot be specified in combination with "
            "resourceAttributes"
        )  # fmt: skip
    elif not has_resource and not has_path:
        errors.invalid(
            "spec.resourceAttributes",
            None,
            "exactly one of nonResourceAttributes or resourceAttributes must be specified",
        )


def subject_of(spec: dict) -> UserInfo:
    extra = tuple(sorted((key, tuple(values or ())) for key, values in (spec.get("extra") or {}).items()))
    return UserInfo(spec.get("user", ""), uid=spec.get("uid", ""), groups=tuple(spec.get("groups") or ()), extra=extra)


def status_of(verdict) -> dict:
    status: dict = {"allowed": verdict.decision is Decision.ALLOW}
    if verdict.decision is Decision.DENY:
        status["denied"] = True
    if verdict.reason:
        status["reason"] = verdict.reason
    return status


async def _body(info: RequestInfo, request: Request) -> dict:
    if request.method != "POST" or info.name is not None:
        raise method_not_allowed()
    decoded = await read_object(request)
    review = typed_document(
        f"io.k8s.api.authorization.v1.{info.resource.kind}", decoded.document, kind=info.resource.kind
    )
    metadata = review.get("metadata") or {}
    if info.namespace and metadata.get("namespace") not in (None, "", info.namespace):
        raise bad_request("the namespace of the provided object does not match the namespace sent on the request")
    return review


def _answer(info: RequestInfo, review: dict, status: dict) -> Response:
    metadata = {**(review.get("metadata") or {}), "creationTimestamp": None}
    if info.namespace:
        metadata["namespace"] = info.namespace
    answer = {
        "kind": info.resource.kind,
        "apiVersion": GROUP_VERSION,
        "metadata": metadata,
        "spec": review.get("spec") or {},
        "status": status,
    }
    return JSONResponse(answer, status_code=201)


async def serve_access_review(ctx, info: RequestInfo, request: Request) -> Response:
    """Subject, local subject and self subject access reviews."""
    review = await _body(info, request)
    spec = review.get("spec") or {}
    errors = FieldErrors()
    check_attributes(spec, errors)
    kind = info.resource.kind
    if kind == "SelfSubjectAccessReview":
        user = ctx.user
    else:
        user = subject_of(spec)
        if not user.name and not user.groups:
            errors.invalid("spec.user", user.name, "at least one of user or group must be specified")
    if kind == "LocalSubjectAccessReview":
        if spec.get("nonResourceAttributes") is not None:
            errors.invalid(
                "spec.nonResourceAttributes", spec["nonResourceAttributes"], "disallowed on this kind of request"
            )
        resource = spec.get("resourceAttributes")
        if resource is not None and resource.get("namespace", "") != info.namespace:
            errors.invalid(
                "spec.resourceAttributes.namespace", resource.get("namespace", ""), "must match metadata.namespace"
            )
    if errors:
        raise invalid(info.resource, "", errors)
    verdict = await authorize(ctx, attributes_of(user, spec))
    return _answer(info, review, status_of(verdict))


def rules_status(rules: list[dict], errors: list[str]) -> dict:
    resource_rules, non_resource_rules = [], []
    for rule in rules:
        if rule.get("nonResourceURLs"):
            non_resource_rules.append(
                {"verbs": list(rule.get("verbs") or ()), "nonResourceURLs": rule["nonResourceURLs"]}
            )
            continue
        found = {"verbs": list(rule.get("verbs") or ())}
        for field in ("apiGroups", "resources", "resourceNames"):
            if rule.get(field):
                found[field] = list(rule[field])
        resource_rules.append(found)
    status: dict = {"resourceRules": resource_rules, "nonResourceRules": non_resource_rules, "incomplete": False}
    if errors:
        status["evaluationError"] = ", ".join(errors)
    return status


async def serve_rules_review(ctx, info: RequestInfo, request: Request) -> Response:
    review = await _body(info, request)
    namespace = (review.get("spec") or {}).get("namespace", "")
    authorization = getattr(ctx, "authorization", None)
    rbac = authorization.by_mode("RBAC") if authorization is not None else None
    if rbac is None:  # upstream: an authorizer that cannot list rules makes the answer incomplete
        return _answer(info, review, {"resourceRules": [], "nonResourceRules": [], "incomplete": True})
    rules, errors = rbac.rules_for(ctx, ctx.user, namespace)
    status = rules_status(rules, errors)
    if ctx.user.node_name is not None and authorization.by_mode("Node") is not None:
        # upstream's Node authorizer cannot enumerate what a node may do
        status["incomplete"] = True
        status["evaluationError"] = ", ".join([*errors, "node authorizer does not support user rule resolution"])
    return _answer(info, review, status)
