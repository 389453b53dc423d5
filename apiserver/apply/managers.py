"""`metadata.managedFields`: who owns which fields, kept as structured-merge-diff's Updater keeps it.

    entries (JSON) ──decode──► {identity: Entry}      identity = manager, operation, apiVersion
                                                       (Update only), subresource
    update(managers, comparison, me)    a write by `me`: it takes what it added or changed,
                                        everyone loses what changed under them or was removed
    conflicts(managers, comparison, me) fields another manager owns that an apply would change
    ──encode──► entries sorted as Kubernetes sorts them (operation, time, manager, version, subresource)

At most MAX_UPDATE_MANAGERS Update entries are kept; older ones fold into "ancient-changes".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from apiserver.apply.fieldpath import FieldSet, Path
from apiserver.apply.typed import Comparison

APPLY, UPDATE = "Apply", "Update"
FIELDS_TYPE = "FieldsV1"
MAX_UPDATE_MANAGERS = 10
ANCIENT_CHANGES = "ancient-changes"
MAX_MANAGER_LENGTH = 128


@dataclass(frozen=True)
class Identity:
    manager: str
    operation: str
    api_version: str = ""  # empty for appliers: one entry however many versions they apply
    subresource: str = ""

    def describe(self, time: str | None = None) -> str:
        """How Kubernetes names a manager in a conflict message."""
        text = f'"{self.manager}"'
        if self.subresource:
            text += f' with subresource "{self.subresource}"'
        if self.operation == UPDATE:
            text += f" using {self.api_version}"
            if time:
                text += f" at {time}"
        return text


@dataclass
class Entry:
    identity: Identity
    fields: FieldSet
    api_version: str
    time: str | None = None


Managers = dict[Identity, Entry]


def identity(manager: str, operation: str, api_version: str, subresource: str = "") -> Identity:
    return Identity(manager, operation, api_version if operation == UPDATE else "", subresource)


def decode(entries: object) -> Managers:
    """The managers of an object; ValueError when the entries are not managedFields."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise ValueError("managedFields must be a list")
    managers: Managers = {}
    for entry in entries:
        if not isinstance(entry, dict):
            raise ValueError("a managedFields entry must be an object")
        operation = entry.get("operation")
        if operation not in (APPLY, UPDATE):
            raise ValueError(f"operation must be `Apply` or `Update`, got {operation!r}")
        if entry.get("fieldsType", FIELDS_TYPE) != FIELDS_TYPE:
            raise ValueError(f"fieldsType must be `{FIELDS_TYPE}`")
        api_version = str(entry.get("apiVersion") or "")
        key = identity(str(entry.get("manager") or ""), operation, api_version, str(entry.get("subresource") or ""))
        managers[key] = Entry(key, FieldSet.from_fields_v1(entry.get("fieldsV1") or {}), api_version, entry.get("time"))
    return managers


def encode(managers: Managers) -> list[dict]:
    def order(entry: Entry) -> tuple:
        i = entry.identity
        return (i.operation, entry.time or "", i.manager, entry.api_version, i.subresource)

    out = []
    for entry in sorted(managers.values(), key=order):
        encoded = {"manager": entry.identity.manager, "operation": entry.identity.operation}
        encoded["apiVersion"] = entry.api_version
        if entry.time:
            encoded["time"] = entry.time
        encoded["fieldsType"] = FIELDS_TYPE
        encoded["fieldsV1"] = entry.fields.to_fields_v1()
        if entry.identity.subresource:
            encoded["subresource"] = entry.identity.subresource
        out.append(encoded)
    return out


def conflicts(managers: Managers, comparison: Comparison, me: Identity) -> list[tuple[Entry, Path]]:
    """(other manager, path) for every field `me` would change that someone else owns."""
    changed = comparison.changed()
    found = []
    for key, entry in managers.items():
        if key == me:
            continue
        for path in entry.fields.intersection(changed).paths():
            found.append((entry, path))
    return found


def update(managers: Managers, comparison: Comparison, me: Identity, *, api_version: str, now: str) -> Managers:
    """After a write by `me`: others lose what changed or went away, `me` owns what it changed."""
    taken = comparison.changed().union(comparison.removed)
    result: Managers = {}
    for key, entry in managers.items():
        if key == me:
            continue
        left = entry.fields.difference(taken)
        if not left.empty():
            result[key] = replace(entry, fields=left)
    if me.operation == UPDATE:
        before = managers[me].fields if me in managers else FieldSet()
        mine = before.difference(comparison.removed).union(comparison.changed())
        if not mine.empty():
            result[me] = Entry(me, mine, api_version, now)
    elif me in managers:
        result[me] = managers[me]
    return cap(result)


def cap(managers: Managers) -> Managers:
    updates = sorted((e for e in managers.values() if e.identity.operation == UPDATE), key=lambda e: e.time or "")
    if len(updates) <= MAX_UPDATE_MANAGERS:
        return managers
    result = dict(managers)
    folded = FieldSet()
    newest_time = None
    for entry in updates[: len(updates) - MAX_UPDATE_MANAGERS + 1]:
        folded = folded.union(entry.fields)
        newest_time = entry.time
        del result[entry.identity]
    ancient = Identity(ANCIENT_CHANGES, UPDATE, "")
    if ancient in result:
        folded = folded.union(result[ancient].fields)
    result[ancient] = Entry(ancient, folded, "", newest_time)
    return result
