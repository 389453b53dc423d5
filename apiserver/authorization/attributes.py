"""What an authorizer decides on, and its answer (Kubernetes' `authorizer.Attributes` and `Decision`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Protocol

from apiserver.authentication.user import UserInfo


@dataclass(frozen=True)
class RequestAttributes:
    user: UserInfo
    verb: str  # get list watch create update patch delete deletecollection, or impersonate bind escalate ...
    resource_request: bool
    namespace: str = ""
    api_group: str = ""
    api_version: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    path: str = ""  # a non-resource request's path (/healthz, /version, /apis)


class Decision(enum.Enum):
    ALLOW = "allow"
    DENY = "deny"
    NO_OPINION = "no-opinion"


@dataclass(frozen=True)
class Verdict:
    decision: Decision
    reason: str = ""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


class Authorizer(Protocol):
    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict: ...
