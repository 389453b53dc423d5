"""A context whose watch caches hold given objects: what the authorizers read."""

from __future__ import annotations

from dataclasses import dataclass, field

from apiserver.authentication.user import AUTHENTICATED_GROUP, UserInfo
from apiserver.authorization.attributes import RequestAttributes
from kubemini.api import registry
from kubemini.api.registry import stored_version


@dataclass
class FakeCache:
    objects: dict = field(default_factory=dict)
    revision: int = 1


@dataclass
class FakeContext:
    caches: dict = field(default_factory=dict)
    user: UserInfo | None = None
    authorization: object = None

    def cache(self, record):
        return self.caches[stored_version(record).storage_resource]

    def put(self, kind: str, obj: dict) -> dict:
        """Store `obj` in its kind's cache and move that cache to a new revision."""
        record = registry.by_kind(kind)
        meta = obj["metadata"]
        cache = self.caches.setdefault(stored_version(record).storage_resource, FakeCache())
        cache.objects[record.storage_key(meta["name"], meta.get("namespace"))] = obj
        cache.revision += 1
        return obj

    def delete(self, kind: str, name: str, namespace: str | None = None) -> None:
        record = registry.by_kind(kind)
        cache = self.caches[stored_version(record).storage_resource]
        cache.objects.pop(record.storage_key(name, namespace))
        cache.revision += 1


def context() -> FakeContext:
    ctx = FakeContext()
    for kind in ("Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding", "Pod", "PersistentVolumeClaim"):
        ctx.caches[stored_version(registry.by_kind(kind)).storage_resource] = FakeCache()
    ctx.caches[stored_version(registry.by_kind("PersistentVolume")).storage_resource] = FakeCache()
    return ctx


def user(name: str, *groups: str) -> UserInfo:
    return UserInfo(name, groups=(*groups, AUTHENTICATED_GROUP))


def resource(who: UserInfo, verb: str, resource: str, *, namespace="", group="", sub="", name="") -> RequestAttributes:
    return RequestAttributes(
        who, verb, True, namespace=namespace, api_group=group, resource=resource, subresource=sub, name=name
    )


def path(who: UserInfo, verb: str, url: str) -> RequestAttributes:
    return RequestAttributes(who, verb, False, path=url)


def rule(verbs, resources=(), groups=("",), names=(), urls=()) -> dict:
    if urls:
        return {"verbs": list(verbs), "nonResourceURLs": list(urls)}
    found = {"verbs": list(verbs), "apiGroups": list(groups), "resources": list(resources)}
    if names:
        found["resourceNames"] = list(names)
    return found


def cluster_role(name: str, *rules: dict, labels=None) -> dict:
    return {"metadata": {"name": name, "labels": labels or {}}, "rules": list(rules)}


def role(namespace: str, name: str, *rules: dict) -> dict:
    return {"metadata": {"name": name, "namespace": namespace}, "rules": list(rules)}


def binding(name: str, role_kind: str, role_name: str, *subjects: dict, namespace: str | None = None) -> dict:
    meta = {"name": name, **({"namespace": namespace} if namespace else {})}
    return {
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role_name},
        "subjects": list(subjects),
    }


def subject(kind: str, name: str, namespace: str = "") -> dict:
    found = {"kind": kind, "name": name}
    if namespace:
        found["namespace"] = namespace
    return found
