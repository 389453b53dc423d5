"""A CustomResourceDefinition → the registry records (and strategies) that serve its custom resources.

    crd (Established, accepted names) ──records_for(crd)──► one ResourceType per served version:
        group, version, accepted names (kind, plural, singular, shortNames, categories, listKind),
        scope, subresources (status, scale), storage `<group>/<plural>` (etcd key
        /registry/<group>/<plural>/<ns>/<name>, as upstream), stored=True for the storage version,
        a CustomResourceStrategy built from that version's schema
    a storage version that is not served still gets a record (served=False): it names the stored shape

The apiserver registers these records when a CRD is established and unregisters them when it
is gone; the controller-manager does the same so its garbage collector knows the kinds.
"""

from __future__ import annotations

from kubemini.api.kinds.apiextensions import naming
from kubemini.api.kinds.apiextensions.custom_resource import CustomResourceStrategy
from kubemini.api.registry import ALL_VERBS, ResourceType, version_priority
from kubemini.api.schema.structural.building import from_structural


def _versions(crd: dict) -> list[dict]:
    return [v for v in (crd.get("spec") or {}).get("versions") or [] if isinstance(v, dict) and v.get("name")]


def deprecation_warning(crd: dict, version: dict) -> str | None:
    """The Warning a request to a deprecated version gets: its own text, or upstream's default."""
    if not version.get("deprecated"):
        return None
    if version.get("deprecationWarning"):
        return str(version["deprecationWarning"])
    spec = crd.get("spec") or {}
    group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
    text = f"{group}/{version['name']} {kind} is deprecated"
    better = [v for v in _versions(crd) if v.get("served") and not v.get("deprecated")]
    better.sort(key=lambda v: version_priority(v["name"]))
    if better:
        text += f"; use {group}/{better[0]['name']} {kind}"
    return text


def servable(crd: dict) -> bool:
    """Whether the CRD's routes exist: names accepted (Established), and not yet gone."""
    return naming.is_true(crd, naming.ESTABLISHED) and bool(naming.accepted_names(crd).get("plural"))


def records_for(crd: dict) -> tuple[ResourceType, ...]:
    spec = crd.get("spec") or {}
    group = spec.get("group") or ""
    names = naming.accepted_names(crd)
    kind, plural = names.get("kind") or "", names.get("plural") or ""
    storage = next((v["name"] for v in _versions(crd) if v.get("storage")), None)
    # Imported on first use: celpy and its grammar cost ~20 MB in every process that imports this module.
    from kubemini.api.schema.structural.cel import compile_rules

    records = []
    for version in _versions(crd):
        stored = version["name"] == storage
        if not version.get("served") and not stored:
            continue
        raw = (version.get("schema") or {}).get("openAPIV3Schema")
        strategy = CustomResourceStrategy(
            schema=from_structural(raw, compile_rules=compile_rules),
            group=group,
            version=version,
            kind=kind,
            storage_api_version=f"{group}/{storage}",
            warning=deprecation_warning(crd, version),
        )
        subresources = tuple(sub for sub in ("status", "scale") if sub in (version.get("subresources") or {}))
        records.append(
            ResourceType(
                group,
                version["name"],
                kind,
                plural,
                spec.get("scope") == "Namespaced",
                short_names=tuple(names.get("shortNames") or ()),
                subresources=subresources,
                categories=tuple(names.get("categories") or ()),
                verbs=ALL_VERBS,
                singular=names.get("singular") or kind.lower(),
                storage=f"{group}/{plural}",
                stored=stored,
                list_kind_name=names.get("listKind") or f"{kind}List",
                served=bool(version.get("served")),
                strategy=strategy,
            )
        )
    return tuple(records)
