"""`ResourceType`: one served group-version-kind, with the URLs and etcd keys derived from it.

    ResourceType(group, version, kind, plural, namespaced, strategy=...)
        ──► api_version, collection_path / object_path (REST), storage_key / storage_prefix (etcd)
The list of built-in records is builtin_resources.py; registry.py indexes them with the
records CustomResourceDefinitions add at run time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kubemini.api.kinds.strategy import Strategy

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


@dataclass(frozen=True)
class ResourceType:
    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ALL_VERBS
    singular: str = field(default="")
    storage: str = ""  # the etcd resource name, when it differs from `plural`
    stored: bool = True  # this version's shape is the one in etcd
    virtual: str = ""  # served by a handler of this name, never stored (bindings, componentstatuses)
    list_kind_name: str = ""  # a CRD's spec.names.listKind, when it is not `<Kind>List`
    served: bool = True  # False: a CRD's storage version that is not served (kept for storage only)
    strategy: Strategy = field(default_factory=Strategy, compare=False, hash=False, repr=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> str:
        return self.api_version

    @property
    def singular_name(self) -> str:
        return self.singular or self.kind.lower()

    @property
    def list_kind(self) -> str:
        return self.list_kind_name or f"{self.kind}List"

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources

    @property
    def storage_resource(self) -> str:
        return self.storage or self.plural

    @property
    def base_path(self) -> str:
        """URL prefix of the group-version: `/api/v1` or `/apis/apps/v1`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def collection_path(self, namespace: str | None = None) -> str:
        if self.namespaced and namespace:
            return f"{self.base_path}/namespaces/{namespace}/{self.plural}"
        return f"{self.base_path}/{self.plural}"

    def object_path(self, name: str, namespace: str | None = None, subresource: str = "") -> str:
        path = f"{self.collection_path(namespace)}/{name}"
        return f"{path}/{subresource}" if subresource else path

    def storage_prefix(self, namespace: str | None = None) -> str:
        """etcd key prefix; ends with '/' so `pods/default` never matches `pods/default2`."""
        if self.namespaced and namespace:
            return f"/registry/{self.storage_resource}/{namespace}/"
        return f"/registry/{self.storage_resource}/"

    def storage_key(self, name: str, namespace: str | None = None) -> str:
        if self.namespaced:
            return f"/registry/{self.storage_resource}/{namespace}/{name}"
        return f"/registry/{self.storage_resource}/{name}"
