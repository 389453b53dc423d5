"""Every request's gate, before any handler: authenticate → impersonate → authorize.

scope ──► authentication.chain.authenticate (401 Status when credentials are bad)
      ──► Impersonate-* headers: each value authorized as `impersonate` (403), then the new user
      ──► authorization of the request's attributes (403 with Kubernetes' message)
      ──► scope[USER_KEY] = the user; handlers read it through `request_user` (ctx.for_user)
`ctx.authorization` None means no authorizer is configured (AlwaysAllow).
"""

from __future__ import annotations

from apiserver.audit.events import DECISION_ANNOTATION, REASON_ANNOTATION, annotate
from apiserver.authentication import impersonation
from apiserver.authentication.chain import authenticate
from apiserver.authentication.user import APISERVER_USER, UserInfo
from apiserver.authorization.attributes import RequestAttributes, Verdict
from apiserver.authorization.chain import forbidden
from apiserver.authorization.request_attributes import request_attributes
from apiserver.errors import ApiError

USER_KEY = "kubemini.user"
IMPERSONATOR_KEY = "kubemini.impersonator"


async def authorize(ctx, attrs: RequestAttributes) -> Verdict | None:
    """The authorizer's verdict, or None when no authorizer is configured (everything allowed)."""
    if ctx.authorization is None:
        return None
    return await ctx.authorization.authorize(ctx, attrs)


async def admit_request(ctx, scope) -> UserInfo:
    """The request's user, once allowed; raises the 401/403 ApiError otherwise."""
    user = authenticate(ctx, scope)
    wanted = impersonation.requested(scope)
    if wanted is not None:
        name, groups, uid, extra = wanted
        if not name:
            raise ApiError(500, "requested impersonation of groups or extra without a user", reason="InternalError")
        scope[USER_KEY] = user
        for check in impersonation.checks(user, name, groups, uid, extra):
            verdict = await authorize(ctx, check)
            if verdict is not None and not verdict.allowed:
                _record_decision(scope, verdict)
                raise forbidden(check, verdict.reason)
        scope[IMPERSONATOR_KEY] = user
        user = impersonation.impersonated_user(name, groups, uid, extra)
    scope[USER_KEY] = user
    attrs = request_attributes(scope, user)
    verdict = await authorize(ctx, attrs)
    if verdict is not None:
        _record_decision(scope, verdict)
        if not verdict.allowed:
            raise forbidden(attrs, verdict.reason)
    return user


def _record_decision(scope, verdict: Verdict) -> None:
    """The audit event's `authorization.k8s.io/decision` and `reason` annotations."""
    annotate(scope, DECISION_ANNOTATION, "allow" if verdict.allowed else "forbid")
    if verdict.reason:
        annotate(scope, REASON_ANNOTATION, verdict.reason)


def request_user(scope) -> UserInfo:
    return scope.get(USER_KEY) or APISERVER_USER
