"""authentication.k8s.io/v1: who am I (`kubectl auth whoami`), and whose is this token.

POST selfsubjectreviews  ──► 201 {status: {userInfo: the caller (ctx.user)}}
POST tokenreviews {spec: {token, audiences}}
    ──► tokens.review(ctx, token, audiences) ──► 201 {status: {authenticated, user, audiences, error}}
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from apiserver.authentication import tokens
from apiserver.decoding.reading import read_object
from apiserver.errors import bad_request, method_not_allowed
from apiserver.request_info import RequestInfo
from apiserver.typed_objects import typed_document

GROUP_VERSION = "authentication.k8s.io/v1"


async def _review(info: RequestInfo, request: Request) -> dict:
    if request.method != "POST" or info.name is not None:
        raise method_not_allowed()
    decoded = await read_object(request)
    kind = info.resource.kind
    return typed_document(f"io.k8s.api.authentication.v1.{kind}", decoded.document, kind=kind)


def _answer(kind: str, review: dict, status: dict) -> Response:
    answer = {
        "kind": kind,
        "apiVersion": GROUP_VERSION,
        "metadata": {**(review.get("metadata") or {}), "creationTimestamp": None},
        "status": status,
    }
    if kind != "SelfSubjectReview":
        answer["spec"] = review.get("spec") or {}
    return JSONResponse(answer, status_code=201)


async def serve_review(ctx, info: RequestInfo, request: Request) -> Response:
    review = await _review(info, request)
    if info.resource.kind == "SelfSubjectReview":
        return _answer("SelfSubjectReview", review, {"userInfo": ctx.user.to_review()})
    spec = review.get("spec") or {}
    if not spec.get("token"):
        raise bad_request("token is required for TokenReview in authentication")
    audiences = list(spec.get("audiences") or ())
    user, accepted, error = await tokens.review(ctx, spec["token"], audiences)
    status: dict = {"authenticated": user is not None}
    if user is not None:
        status["user"] = user.to_review()
        status["audiences"] = accepted
    if error:
        status["error"] = error
    return _answer("TokenReview", review, status)
