"""Shaping `audit.k8s.io/v1` Events: pure functions from what is known of a request to one JSON object.

    RequestFacts (who, what, where from, when) + level + stage + code + bodies → make_event() → dict

Bodies follow the level (Request: requestObject; RequestResponse: also responseObject), except for
resources whose contents are credentials: Secrets, ConfigMaps, TokenRequests (serviceaccounts/token)
and TokenReviews are never logged beyond Metadata, whatever the policy says, and an error's
message about them is left out too (it could quote a value).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from apiserver.audit.policy import level_at_least
from apiserver.authentication.user import UserInfo
from apiserver.authorization.attributes import RequestAttributes

# Any layer of the request path may add annotations here (the authorizer's decision and reason).
ANNOTATIONS_KEY = "kubemini.audit.annotations"
DECISION_ANNOTATION = "authorization.k8s.io/decision"
REASON_ANNOTATION = "authorization.k8s.io/reason"
CONTENTS_NEVER_LOGGED = frozenset({("", "secrets"), ("", "configmaps"), ("authentication.k8s.io", "tokenreviews")})
SUBRESOURCES_NEVER_LOGGED = frozenset({("", "serviceaccounts", "token")})


def annotate(scope: dict, key: str, value: str) -> None:
    """Add an annotation to the request's audit event (cheap when auditing is off: one dict)."""
    scope.setdefault(ANNOTATIONS_KEY, {})[key] = value


def contents_hidden(attrs: RequestAttributes) -> bool:
    if not attrs.resource_request:
        return False
    return (attrs.api_group, attrs.resource) in CONTENTS_NEVER_LOGGED or (
        attrs.api_group,
        attrs.resource,
        attrs.subresource,
    ) in SUBRESOURCES_NEVER_LOGGED


def effective_level(level: str, attrs: RequestAttributes) -> str:
    """The policy's level, capped at Metadata for resources whose contents are credentials."""
    if level_at_least(level, "Request") and contents_hidden(attrs):
        return "Metadata"
    return level


@functools.lru_cache(maxsize=8)
def _second(seconds: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))


def micro_time(epoch_seconds: float) -> str:
    """metav1.MicroTime: RFC 3339 with microseconds, UTC (the second's text is formatted once)."""
    seconds = int(epoch_seconds)
    return f"{_second(seconds)}.{int((epoch_seconds - seconds) * 1_000_000):06d}Z"


@dataclass
class RequestFacts:
    audit_id: str
    request_uri: str
    user: UserInfo
    impersonated: UserInfo | None
    source_ips: list[str]
    user_agent: str
    attrs: RequestAttributes
    received: float


def object_ref(attrs: RequestAttributes, obj: object = None) -> dict | None:
    """What the request is about; a create's name and namespace come from its object, as upstream."""
    if not attrs.resource_request:
        return None
    ref: dict = {"resource": attrs.resource}
    metadata = obj.get("metadata") if isinstance(obj, dict) else None
    metadata = metadata if isinstance(metadata, dict) else {}
    namespace = attrs.namespace or metadata.get("namespace") or ""
    name = attrs.name or metadata.get("name") or ""
    if namespace:
        ref["namespace"] = namespace
    if name:
        ref["name"] = name
    if attrs.api_group:
        ref["apiGroup"] = attrs.api_group
    ref["apiVersion"] = attrs.api_version
    if attrs.subresource:
        ref["subresource"] = attrs.subresource
    return ref


def response_status(code: int, body: object, *, hidden: bool) -> dict:
    status: dict = {"metadata": {}, "code": code}
    if isinstance(body, dict) and body.get("kind") == "Status":
        for key in ("status", "reason") if hidden else ("status", "message", "reason", "details"):
            if body.get(key):
                status[key] = body[key]
    return status


def _without_managed_fields(obj: object) -> object:
    if isinstance(obj, dict) and isinstance(obj.get("metadata"), dict) and "managedFields" in obj["metadata"]:
        return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k != "managedFields"}}
    return obj


def make_event(
    facts: RequestFacts,
    *,
    level: str,
    stage: str,
    now: float,
    code: int | None = None,
    request_obj: object = None,
    response_obj: object = None,
    annotations: dict | None = None,
    omit_managed_fields: bool = False,
) -> dict:
    """One Event; `level` is already capped (effective_level), bodies are dropped below their level."""
    hidden = contents_hidden(facts.attrs)
    event: dict = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": facts.audit_id,
        "stage": stage,
        "requestURI": facts.request_uri,
        "verb": facts.attrs.verb,
        "user": facts.user.to_review() if facts.user.name else {},
    }
    if facts.impersonated is not None:
        event["impersonatedUser"] = facts.impersonated.to_review()
    event["sourceIPs"] = facts.source_ips
    if facts.user_agent:
        event["userAgent"] = facts.user_agent
    ref = object_ref(facts.attrs, request_obj if request_obj is not None else response_obj)
    if ref is not None:
        event["objectRef"] = ref
    if code is not None:
        event["responseStatus"] = response_status(code, response_obj, hidden=hidden)
    if not hidden:
        if request_obj is not None and level_at_least(level, "Request"):
            event["requestObject"] = _without_managed_fields(request_obj) if omit_managed_fields else request_obj
        if response_obj is not None and level_at_least(level, "RequestResponse"):
            event["responseObject"] = _without_managed_fields(response_obj) if omit_managed_fields else response_obj
    event["requestReceivedTimestamp"] = micro_time(facts.received)
    event["stageTimestamp"] = micro_time(now)
    if annotations:
        event["annotations"] = dict(annotations)
    return event
