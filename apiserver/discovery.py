"""Discovery documents: /version, /api, /apis, and an APIResourceList per group-version."""

from __future__ import annotations

from kubemini.api.registry import RESOURCES, group_versions

KUBERNETES_MAJOR, KUBERNETES_MINOR = "1", "35"
_SUBRESOURCE_VERBS = {
    "status": ["get", "patch", "update"],
    "scale": ["get", "patch", "update"],
    "binding": ["create"],
    "log": ["get"],
    "finalize": ["update"],
    "eviction": ["create"],
}


def version_info() -> dict:
    return {
        "major": KUBERNETES_MAJOR,
        "minor": KUBERNETES_MINOR,
        "gitVersion": f"v{KUBERNETES_MAJOR}.{KUBERNETES_MINOR}.0-kubemini",
        "gitCommit": "kubemini",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "python",
        "compiler": "cpython",
        "platform": "linux/amd64",
    }


def core_versions(server_address: str) -> dict:
    return {
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    }


def _group_entry(group: str) -> dict:
    versions = [{"groupVersion": f"{group}/{v}", "version": v} for g, v in group_versions() if g == group]
    return {"name": group, "versions": versions, "preferredVersion": versions[0]}


def group_list() -> dict:
    groups = [g for g, _ in group_versions() if g]
    unique = list(dict.fromkeys(groups))
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_entry(g) for g in unique]}


def group(name: str) -> dict | None:
    if name not in {g for g, _ in group_versions() if g}:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_entry(name)}


def resource_list(group: str, version: str) -> dict | None:
    if (group, version) not in group_versions():
        return None
    entries = []
    for record in RESOURCES:
        if (record.group, record.version) != (group, version):
            continue
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
            if sub == "scale":
                sub_entry.update({"group": "autoscaling", "version": "v1", "kind": "Scale"})
            elif sub == "binding":
                sub_entry["kind"] = "Binding"
            elif sub == "eviction":
                sub_entry.update({"group": "policy", "version": "v1", "kind": "Eviction"})
            entries.append(sub_entry)
    group_version = f"{group}/{version}" if group else version
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": group_version, "resources": entries}
