"""Discovery documents: /version, /api, /apis (plain and aggregated), an APIResourceList per group-version.

Everything comes from the registry records. Aggregated discovery
(`Accept: application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList`) answers
/api and /apis with every group, version and resource in one document, so kubectl
needs one round trip; clients that do not ask for it get the plain forms.
"""

from __future__ import annotations

from kubemini.api.registry import all_resources, group_versions

KUBERNETES_MAJOR, KUBERNETES_MINOR = "1", "35"
AGGREGATED_MEDIA_TYPE = "application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
AGGREGATED_VERSIONS = ("v2", "v2beta1")
_SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "binding": ["create"],
    "log": ["get"],
    "finalize": ["update"],
    "eviction": ["create"],
    "approval": ["get", "patch", "update"],
    "exec": ["create", "get"],
    "attach": ["create", "get"],
    "portforward": ["create", "get"],
    "proxy": ["create", "delete", "get", "patch", "update"],
    "token": ["create"],
    "ephemeralcontainers": ["get", "patch", "update"],
}
_SUBRESOURCE_KINDS = {
    "scale": ("autoscaling", "v1", "Scale"),
    "binding": ("", "v1", "Binding"),
    "eviction": ("policy", "v1", "Eviction"),
    "exec": ("", "v1", "PodExecOptions"),
    "attach": ("", "v1", "PodAttachOptions"),
    "portforward": ("", "v1", "PodPortForwardOptions"),
    "token": ("authentication.k8s.io", "v1", "TokenRequest"),
}


def version_info() -> dict:
    return {
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "emulationMajor": KUBERNETES_MAJOR,
        "emulationMinor": KUBERNETES_MINOR,
        "minCompatibilityMajor": KUBERNETES_MAJOR,
        "minCompatibilityMinor": str(int(KUBERNETES_MINOR) - 1),
        "gitVersion": f"v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.0-kubemini",
        "gitCommit": "kubemini",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "python",
        "compiler": "cpython",
        "platform": "linux/amd64",
    }


def wants_aggregated(accept: str) -> str | None:
    """The apidiscovery version the client asks for first, or None for the plain documents."""
    for entry in accept.split(","):
        params = dict(p.strip().partition("=")[::2] for p in entry.split(";")[1:])
        if params.get("as") == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io":
            if params.get("v") in AGGREGATED_VERSIONS:
                return params["v"]
        elif entry.split(";")[0].strip() in ("application/json", "*/*"):
            return None
    return None


def core_versions(server_address: str) -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _named_groups() -> list[str]:
    return list(dict.fromkeys(g for g, _ in group_versions() if g))


def _group_entry(group: str) -> dict:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for g, v in group_versions() if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def group_list() -> dict:
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_entry(g) for g in _named_groups()]}


def group(name: str) -> dict | None:
    if name not in _named_groups():
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name)}


def _records(group_name: str, version: str) -> list:
    return [r for r in all_resources() if (r.group, r.version) == (group_name, version)]


def resource_list(group_name: str, version: str) -> dict | None:
    if (group_name, version) not in group_versions():
        return None
    entries = []
    for record in _records(group_name, version):
        entry = {
            "name": record.plural,
            "singularName": record.singular_name,
            "namespaced": record.namespaced,
            "kind": record.kind,
            "verbs": list(record.verbs),
        }
        if record.short_names:
            entry["shortNames"] = list(record.short_names)
        if record.categories:
            entry["categories"] = list(record.categories)
        entries.append(entry)
        for sub in record.subresources:
            sub_entry = {
                "name": f"{record.plural}/{sub}",
                "singularName": "",
                "namespaced": record.namespaced,
                "kind": record.kind,
                "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"]),
            }
            if sub in _SUBRESOURCE_KINDS:
                sub_group, sub_version, sub_kind = _SUBRESOURCE_KINDS[sub]
                sub_entry.update({"group": sub_group, "version": sub_version, "kind": sub_kind})
            entries.append(sub_entry)
    group_version = f"{group_name}/{version}" if group_name else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}


def _resource_discovery(record) -> dict:
    entry = {
        "resource": record.plural,
        "responseKind": {"group": "", "version": "", "kind": record.kind},
        "scope": "Namespaced" if record.namespaced else "Cluster",
        "singularResource": record.singular_name,
        "verbs": list(record.verbs),
    }
    if record.short_names:
        entry["shortNames"] = list(record.short_names)
    if record.categories:
        entry["categories"] = list(record.categories)
    subresources = []
    for sub in record.subresources:
        sub_group, sub_version, sub_kind = _SUBRESOURCE_KINDS.get(sub, ("", "", record.kind))
        subresources.append(
            {
                "subresource": sub,
                "responseKind": {"group": sub_group, "version": sub_version, "kind": sub_kind},
                "verbs": _SUBRESOURCE_VERBS.get(sub, ["get"]),
            }
        )
    if subresources:
        entry["subresources"] = subresources
    return entry


def _group_discovery(group_name: str) -> dict:
    versions = []
    for name, version in group_versions():
        if name == group_name:
            resources = [_resource_discovery(record) for record in _records(group_name, version)]
            versions.append({"version": version, "resources": resources, "freshness": "Current"})
    metadata = {"name": group_name} if group_name else {}
    return {"metadata": metadata, "versions": versions}


def aggregated(version: str, *, core: bool) -> dict:
    """The APIGroupDiscoveryList of /api (core=True) or /apis."""
    groups = [""] if core else _named_groups()
    return {
        "kind": "APIGroupDiscoveryList",
        "apiVersion": f"apidiscovery.k8s.io/{version}",
        "metadata": {},
        "items": [_group_discovery(name) for name in groups],
    }
