"""Which names a CRD serves, and its NamesAccepted / Established conditions (upstream's naming controller).

    (crd, every other CRD) ──desired_status(crd, others, now)──► the status the CRD should have:
        acceptedNames = spec.names when none of them is already accepted by another CRD of the group
                        (plural, singular, shortNames, kind, listKind), else the names it had
        NamesAccepted   True NoConflicts "no conflicts found" | False <What>Conflict "\"x\" is already in use"
        Established     True InitialNamesAccepted once names were accepted | False NotAccepted
        Terminating     kept as the deletion finalizer wrote it
        storedVersions  the storage version added once

First come, first served: what another CRD has accepted is taken, whatever its spec says now.
A CRD is served (routes, discovery, OpenAPI) by its accepted names only.
"""

from __future__ import annotations

import copy

ESTABLISHED, NAMES_ACCEPTED, TERMINATING = "Established", "NamesAccepted", "Terminating"


def spec_names(crd: dict) -> dict:
    names = dict((crd.get("spec") or {}).get("names") or {})
    kind = names.get("kind") or ""
    names.setdefault("singular", kind.lower())
    names.setdefault("listKind", f"{kind}List")
    return names


def accepted_names(crd: dict) -> dict:
    return (crd.get("status") or {}).get("acceptedNames") or {}


def condition(crd: dict, kind: str) -> dict | None:
    for item in (crd.get("status") or {}).get("conditions") or []:
        if item.get("type") == kind:
            return item
    return None


def is_true(crd: dict, kind: str) -> bool:
    found = condition(crd, kind)
    return found is not None and found.get("status") == "True"


def _taken(group: str, others: list[dict]) -> dict[str, set[str]]:
    taken: dict[str, set[str]] = {"plural": set(), "singular": set(), "shortNames": set(), "kind": set()}
    taken["listKind"] = set()
    for other in others:
        if (other.get("spec") or {}).get("group") != group:
            continue
        names = accepted_names(other)
        for field in ("plural", "singular", "kind", "listKind"):
            if names.get(field):
                taken[field].add(names[field])
        taken["shortNames"].update(names.get("shortNames") or [])
    return taken


def _conflict(names: dict, taken: dict[str, set[str]]) -> tuple[str, str] | None:
    checks = (
        ("plural", "PluralConflict"),
        ("singular", "SingularConflict"),
    )
    for field, reason in checks:
        if names.get(field) in taken[field]:
            return reason, f'"{names[field]}" is already in use'
    for short in names.get("shortNames") or []:
        if short in taken["shortNames"]:
            return "ShortNamesConflict", f'"{short}" is already in use'
    if names.get("kind") in taken["kind"]:
        return "KindConflict", f'"{names["kind"]}" is already in use'
    if names.get("listKind") in taken["listKind"]:
        return "ListKindConflict", f'"{names["listKind"]}" is already in use'
    return None


def _set_condition(conditions: list[dict], kind: str, status: str, reason: str, message: str, now: str) -> None:
    for item in conditions:
        if item.get("type") == kind:
            if item.get("status") != status:
                item["lastTransitionTime"] = now
            item.update(status=status, reason=reason, message=message)
            return
    conditions.append({"type": kind, "status": status, "lastTransitionTime": now, "reason": reason, "message": message})


def desired_status(crd: dict, others: list[dict], now: str) -> dict:
    group = (crd.get("spec") or {}).get("group") or ""
    status = copy.deepcopy(crd.get("status") or {})
    wanted = spec_names(crd)
    conflict = _conflict(wanted, _taken(group, [o for o in others if o is not crd]))
    conditions = status.setdefault("conditions", [])
    if conflict is None:
        status["acceptedNames"] = {k: v for k, v in wanted.items() if v not in (None, "", [])}
        _set_condition(conditions, NAMES_ACCEPTED, "True", "NoConflicts", "no conflicts found", now)
    else:
        status.setdefault("acceptedNames", {"plural": "", "kind": ""})
        _set_condition(conditions, NAMES_ACCEPTED, "False", conflict[0], conflict[1], now)
    if accepted_names({"status": status}).get("plural"):
        _set_condition(
            conditions, ESTABLISHED, "True", "InitialNamesAccepted", "the initial names have been accepted", now
        )
    else:
        _set_condition(conditions, ESTABLISHED, "False", "NotAccepted", "not all names are accepted", now)
    stored = status.setdefault("storedVersions", [])
    for version in (crd.get("spec") or {}).get("versions") or []:
        if version.get("storage") and version.get("name") not in stored:
            stored.append(version["name"])
    return status


def terminating_status(crd: dict, now: str) -> dict:
    """The status a CRD marked for deletion shows while its objects are removed."""
    status = copy.deepcopy(crd.get("status") or {})
    conditions = status.setdefault("conditions", [])
    _set_condition(
        conditions,
        TERMINATING,
        "True",
        "InstanceDeletionPending",
        "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon",
        now,
    )
    return status
