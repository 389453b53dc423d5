"""RBAC escalation and bind prevention: nobody grants what they do not hold (upstream's
`policybased` Role/ClusterRole/RoleBinding/ClusterRoleBinding storage).

    create/update Role, ClusterRole
        caller in system:masters, or may `escalate` this role         ──► allowed
        an aggregationRule set (or changed) otherwise                  ──► 403 cluster-admin only
        the rules (unchanged on an update: allowed) all covered by the caller's own ──► allowed
    create/update RoleBinding, ClusterRoleBinding
        caller in system:masters, or may `bind` the referenced role   ──► allowed
        the referenced role's rules all covered by the caller's own   ──► allowed
    otherwise ──► 403 `<kind> "<name>" is forbidden: user "x" (groups=[...]) is attempting to grant
                  RBAC permissions not currently held:\n{APIGroups:[...], ...}`
The caller's rules are RBAC's (apiserver/authorization/rbac); without the RBAC mode nothing is checked.
"""

from __future__ import annotations

from apiserver.admission import CREATE, UPDATE, AdmissionPlugin, Attributes
from apiserver.authentication.user import MASTERS_GROUP
from apiserver.authorization.attributes import RequestAttributes
from apiserver.authorization.chain import authorize
from apiserver.authorization.rbac.escalation import escalation_message, missing_rules
from apiserver.errors import ApiError, not_found
from kubemini.api import registry

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = {"Role": "roles", "ClusterRole": "clusterroles"}
BINDING_KINDS = {"RoleBinding", "ClusterRoleBinding"}


def _forbidden(record, name: str, why: str) -> ApiError:
    details = {"name": name, "group": RBAC_GROUP, "kind": record.plural}
    return ApiError(
        403, f'{record.plural}.{RBAC_GROUP} "{name}" is forbidden: {why}', reason="Forbidden", details=details
    )


class RBACEscalation(AdmissionPlugin):
    name = "RBACEscalation"

    def handles(self, attrs: Attributes) -> bool:
        return (
            attrs.operation in (CREATE, UPDATE)
            and attrs.subresource is None
            and attrs.record.group == RBAC_GROUP
            and (attrs.record.kind in ROLE_KINDS or attrs.record.kind in BINDING_KINDS)
        )

    async def validate(self, ctx, attrs: Attributes) -> None:
        user = ctx.user
        authorization = getattr(ctx, "authorization", None)
        rbac = authorization.by_mode("RBAC") if authorization is not None else None
        if MASTERS_GROUP in user.groups or rbac is None:
            return
        obj, record = attrs.obj or {}, attrs.record
        name = (obj.get("metadata") or {}).get("name", "")
        namespace = attrs.namespace or ""
        if record.kind in ROLE_KINDS:
            requested = list(obj.get("rules") or ())
            if attrs.operation == UPDATE and requested == list((attrs.old or {}).get("rules") or ()):
                if obj.get("aggregationRule") == (attrs.old or {}).get("aggregationRule"):
                    return
            if await self._may(ctx, user, "escalate", ROLE_KINDS[record.kind], namespace, name):
                return
            if obj.get("aggregationRule"):
                raise _forbidden(record, name, "must have cluster-admin privileges to use the aggregationRule")
        else:
            role_ref = obj.get("roleRef") or {}
            role_kind, role_name = role_ref.get("kind", ""), role_ref.get("name", "")
            if await self._may(ctx, user, "bind", ROLE_KINDS.get(role_kind, ""), namespace, role_name):
                return
            requested = self._role_rules(ctx, rbac, role_kind, role_name, namespace)
        owned, errors = rbac.rules_for(ctx, user, namespace)
        missing = missing_rules(owned, requested)
        if missing:
            raise _forbidden(record, name, escalation_message(user, missing, errors))

    async def _may(self, ctx, user, verb: str, resource: str, namespace: str, name: str) -> bool:
        attrs = RequestAttributes(
            user, verb, True, namespace=namespace, api_group=RBAC_GROUP, resource=resource, name=name
        )
        return (await authorize(ctx, attrs)).allowed

    def _role_rules(self, ctx, rbac, role_kind: str, role_name: str, namespace: str) -> list[dict]:
        policy = rbac.policy(ctx)
        if role_kind == "ClusterRole":
            rules = policy.cluster_roles.get(role_name)
        else:
            rules = policy.roles.get((namespace, role_name))
        if rules is None:
            raise not_found(registry.by_kind(role_kind), role_name)
        return rules
