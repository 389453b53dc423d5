"""The identity a request carries once it is authenticated (Kubernetes' `user.Info`)."""

from __future__ import annotations

from dataclasses import dataclass, field

AUTHENTICATED_GROUP = "system:authenticated"
UNAUTHENTICATED_GROUP = "system:unauthenticated"
MASTERS_GROUP = "system:masters"
NODES_GROUP = "system:nodes"
NODE_USER_PREFIX = "system:node:"
SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"


@dataclass(frozen=True)
class UserInfo:
    name: str
    uid: str = ""
    groups: tuple[str, ...] = ()
    # Extra attributes (`authentication.kubernetes.io/pod-name`, ...): key → values.
    extra: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())

    def extra_dict(self) -> dict[str, list[str]]:
        return {key: list(values) for key, values in self.extra}

    def to_review(self) -> dict:
        """The `userInfo` of a SelfSubjectReview, SubjectAccessReview or audit event."""
        info: dict = {"username": self.name}
        if self.uid:
            info["uid"] = self.uid
        if self.groups:
            info["groups"] = list(self.groups)
        if self.extra:
            info["extra"] = self.extra_dict()
        return info

    @property
    def node_name(self) -> str | None:
        """`<name>` for a kubelet's identity `system:node:<name>` in system:nodes, else None."""
        if self.name.startswith(NODE_USER_PREFIX) and NODES_GROUP in self.groups:
            return self.name[len(NODE_USER_PREFIX) :]
        return None

    @property
    def service_account(self) -> tuple[str, str] | None:
        """(namespace, name) for `system:serviceaccount:<namespace>:<name>`, else None."""
        if not self.name.startswith(SERVICE_ACCOUNT_PREFIX):
            return None
        namespace, _, name = self.name[len(SERVICE_ACCOUNT_PREFIX) :].partition(":")
        return (namespace, name) if namespace and name else None


ANONYMOUS = UserInfo("system:anonymous", groups=(UNAUTHENTICATED_GROUP,))
# The plain HTTP port (`--insecure-port`, loopback only) is trusted as kube-apiserver's was.
INSECURE_PORT_USER = UserInfo("system:unsecured", groups=(MASTERS_GROUP, AUTHENTICATED_GROUP))
# The API server's own writes (bootstrap objects, internal clients), as kube-apiserver's loopback client.
APISERVER_USER = UserInfo("system:apiserver", groups=(MASTERS_GROUP, AUTHENTICATED_GROUP))
