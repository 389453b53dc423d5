"""`--authorization-mode`: the authorizers a request goes through, and the 403 it gets otherwise.

Authorization(["Node", "RBAC"]).authorize(ctx, attrs)
    system:masters ──► ALLOW (kube-apiserver's privileged-group authorizer, always first)
    each mode in order: ALLOW or DENY ends it; NO_OPINION (its reason kept) ──► the next
    none decided ──► NO_OPINION with the reasons joined by newlines
forbidden(attrs, reason) ──► ApiError 403 `pods "web" is forbidden: User "alice" cannot get
    resource "pods" in API group "" in the namespace "dev": <reason>`
"""

from __future__ import annotations

from apiserver.authentication.user import MASTERS_GROUP
from apiserver.authorization.attributes import Authorizer, Decision, RequestAttributes, Verdict
from apiserver.authorization.node import NodeAuthorizer
from apiserver.authorization.rbac.authorizer import RBACAuthorizer
from apiserver.errors import ApiError

DEFAULT_MODES = ("Node", "RBAC")
ALLOWED = Verdict(Decision.ALLOW)


class AlwaysAllow:
    name = "AlwaysAllow"

    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict:
        return ALLOWED


class AlwaysDeny:
    name = "AlwaysDeny"

    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict:
        return Verdict(Decision.NO_OPINION, "Everything is forbidden.")


MODES = {"AlwaysAllow": AlwaysAllow, "AlwaysDeny": AlwaysDeny, "Node": NodeAuthorizer, "RBAC": RBACAuthorizer}


def parse_modes(text: str) -> list[str]:
    """`--authorization-mode=Node,RBAC`; an unknown or repeated mode is refused (kube-apiserver's checks)."""
    modes = [mode.strip() for mode in text.split(",") if mode.strip()]
    for mode in modes:
        if mode not in MODES:
            raise ValueError(f"authorization-mode {mode!r} is not a valid mode; valid modes: {', '.join(MODES)}")
    if len(set(modes)) != len(modes):
        raise ValueError(f"authorization-mode {text!r} has mode specified more than once")
    return modes or list(DEFAULT_MODES)


def build_authorizer(modes: list[str] | tuple[str, ...] = DEFAULT_MODES) -> Authorization:
    return Authorization(modes)


class Authorization:
    def __init__(self, modes: list[str] | tuple[str, ...] = DEFAULT_MODES):
        self.modes = tuple(modes)
        self.authorizers: list[Authorizer] = [MODES[mode]() for mode in self.modes]

    def by_mode(self, mode: str):
        """The authorizer of one mode (RBAC's rules feed SelfSubjectRulesReview and escalation checks)."""
        for name, authorizer in zip(self.modes, self.authorizers, strict=True):
            if name == mode:
                return authorizer
        return None

    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict:
        if MASTERS_GROUP in attrs.user.groups:
            return ALLOWED
        reasons: list[str] = []
        for authorizer in self.authorizers:
            verdict = await authorizer.authorize(ctx, attrs)
            if verdict.decision is not Decision.NO_OPINION:
                return verdict
            if verdict.reason:
                reasons.append(verdict.reason)
        return Verdict(Decision.NO_OPINION, "\n".join(reasons))


async def authorize(ctx, attrs: RequestAttributes) -> Verdict:
    """Through the server's authorization (`ctx.authorization`), AlwaysAllow when none is configured."""
    authorization = getattr(ctx, "authorization", None)
    if authorization is None:
        return ALLOWED
    return await authorization.authorize(ctx, attrs)


def forbidden_message(attrs: RequestAttributes, reason: str = "") -> str:
    """The text after `... is forbidden: ` (upstream's `forbiddenMessage` plus the reason)."""
    user = attrs.user.name
    if not attrs.resource_request:
        message = f'User "{user}" cannot {attrs.verb} path "{attrs.path}"'
    else:
        resource = f"{attrs.resource}/{attrs.subresource}" if attrs.subresource else attrs.resource
        where = f'in the namespace "{attrs.namespace}"' if attrs.namespace else "at the cluster scope"
        message = f'User "{user}" cannot {attrs.verb} resource "{resource}" in API group "{attrs.api_group}" {where}'
    return f"{message}: {reason}" if reason else message


def forbidden(attrs: RequestAttributes, reason: str = "") -> ApiError:
    """The 403 Status (apierrors.NewForbidden over the request's group-resource and name)."""
    why = forbidden_message(attrs, reason)
    if not attrs.resource_request or not attrs.resource:
        return ApiError(403, f"forbidden: {why}", reason="Forbidden", details={})
    qualified = f"{attrs.resource}.{attrs.api_group}" if attrs.api_group else attrs.resource
    message = f'{qualified} "{attrs.name}" is forbidden: {why}' if attrs.name else f"{qualified} is forbidden: {why}"
    details: dict = {}
    if attrs.name:
        details["name"] = attrs.name
    if attrs.api_group:
        details["group"] = attrs.api_group
    details["kind"] = attrs.resource
    return ApiError(403, message, reason="Forbidden", details=details)
