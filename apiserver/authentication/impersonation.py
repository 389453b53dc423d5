"""`Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid`, `Impersonate-Extra-<key>` (kubectl --as, --as-group).

requester ──► each impersonated value needs `impersonate` on it (users | serviceaccounts in their
namespace | groups | uids | userextras/<key>), checked by the authorizer ──► 403 on the first refused
          ──► the request continues as the impersonated user (system:authenticated added, and the
              service-account groups for a service account)
"""

from __future__ import annotations

from urllib.parse import unquote

from apiserver.authentication.user import (
    AUTHENTICATED_GROUP,
    SERVICE_ACCOUNT_PREFIX,
    SERVICE_ACCOUNTS_GROUP,
    UserInfo,
)
from apiserver.authorization.attributes import RequestAttributes

USER_HEADER, GROUP_HEADER, UID_HEADER = b"impersonate-user", b"impersonate-group", b"impersonate-uid"
EXTRA_PREFIX = b"impersonate-extra-"


def requested(scope) -> tuple[str | None, list[str], str | None, dict[str, list[str]]] | None:
    name, groups, uid, extra, seen = None, [], None, {}, False
    for key, raw in scope.get("headers") or ():
        value = raw.decode("latin-1")
        if key == USER_HEADER:
            name, seen = value, True
        elif key == GROUP_HEADER:
            groups.append(value)
            seen = True
        elif key == UID_HEADER:
            uid, seen = value, True
        elif key.startswith(EXTRA_PREFIX):
            extra.setdefault(unquote(key[len(EXTRA_PREFIX) :].decode("latin-1")), []).append(value)
            seen = True
    return (name, groups, uid, extra) if seen else None


def checks(requester: UserInfo, name: str, groups: list[str], uid: str | None, extra: dict) -> list[RequestAttributes]:
    """The `impersonate` permissions this impersonation needs, in the order Kubernetes checks them."""
    wanted = []
    if name.startswith(SERVICE_ACCOUNT_PREFIX) and name.count(":") == 3:
        namespace, account = name[len(SERVICE_ACCOUNT_PREFIX) :].split(":")
        wanted.append(("", "serviceaccounts", "", account, namespace))
    else:
        wanted.append(("", "users", "", name, ""))
    wanted += [("", "groups", "", group, "") for group in groups]
    if uid:
        wanted.append(("authentication.k8s.io", "uids", "", uid, ""))
    for key, values in extra.items():
        wanted += [("authentication.k8s.io", "userextras", key, value, "") for value in values]
    return [
        RequestAttributes(
            user=requester,
            verb="impersonate",
            resource_request=True,
            api_group=group,
            resource=resource,
            subresource=subresource,
            name=value,
            namespace=namespace,
        )
        for group, resource, subresource, value, namespace in wanted
    ]


def impersonated_user(name: str, groups: list[str], uid: str | None, extra: dict) -> UserInfo:
    all_groups = list(groups)
    if name.startswith(SERVICE_ACCOUNT_PREFIX) and name.count(":") == 3:
        namespace = name.split(":")[2]
        all_groups += [SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}"]
    if name != "system:anonymous" and AUTHENTICATED_GROUP not in all_groups:
        all_groups.append(AUTHENTICATED_GROUP)
    return UserInfo(
        name,
        uid=uid or "",
        groups=tuple(dict.fromkeys(all_groups)),
        extra=tuple((key, tuple(values)) for key, values in extra.items()),
    )
