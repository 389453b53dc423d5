"""Server-side apply and field ownership: what the write paths call.

    any write (create, update, patch, /status, /scale)   record_write(record, old, new, writer)
        managers: new's managedFields when it brings some, else old's ([{}] clears them)
        old (or the kind's zero value) vs new ──compare──► update(managers) ──► new.metadata.managedFields

    PATCH application/apply-patch+yaml                   apply_config(record, live, config, writer, force)
        live + config ──merge──► prune what the applier dropped ──compare with live──►
        conflicts with other managers (409 unless force) ──► update(managers) ──► the object to write

manager "kubectl" upgrades from client-side apply without conflicts on what its
last-applied annotation still holds, and keeps that annotation in step (apply/last_applied.py).
Ownership never covers apiVersion, kind or the server-owned metadata (name, uid, ...);
writes to the main resource of a kind with a status subresource never own status, and
writes to /status own only status (Kubernetes' reset fields).
"""

from __future__ import annotations

from dataclasses import dataclass

from apiserver.apply import last_applied
from apiserver.apply import managers as owners
from apiserver.apply.fieldpath import FieldSet, path_text
from apiserver.apply.pruning import prune
from apiserver.apply.typed import compare, field_set, merge
from apiserver.apply.zero_values import zero_object
from apiserver.errors import ApiError
from kubemini.api.kinds.checking import schema_of

STRIPPED = FieldSet.of(
    (("f", "apiVersion"),),
    (("f", "kind"),),
    (("f", "metadata"),),
    *((("f", "metadata"), ("f", name)) for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation",
        "managedFields", "resourceVersion",
    )),
)  # fmt: skip
STATUS = ("f", "status")
RESET_TO_ALL = [{}]  # managedFields: [{}] asks for ownership to be forgotten


@dataclass(frozen=True)
class Writer:
    manager: str
    api_version: str
    subresource: str = ""  # "status", "scale" or ""
    now: str = ""


def _scope(record, subresource: str, fields: FieldSet) -> FieldSet:
    fields = fields.difference(STRIPPED)
    if subresource == "status":
        kept = FieldSet()
        if STATUS in fields.members:
            kept.members.add(STATUS)
        if STATUS in fields.children:
            kept.children[STATUS] = fields.children[STATUS]
        return kept
    if record.has_status:
        return fields.without_prefixes(FieldSet.of((STATUS,)))
    return fields


def _without_managed_fields(obj: dict) -> dict:
    metadata = {k: v for k, v in (obj.get("metadata") or {}).items() if k != "managedFields"}
    return {**obj, "metadata": metadata}


def _managers_of(obj: dict | None) -> owners.Managers:
    try:
        return owners.decode((obj or {}).get("metadata", {}).get("managedFields"))
    except ValueError:
        return {}


def _store(obj: dict, managers: owners.Managers) -> None:
    encoded = owners.encode(managers)
    if encoded:
        obj.setdefault("metadata", {})["managedFields"] = encoded
    else:
        obj.get("metadata", {}).pop("managedFields", None)


def record_write(record, old: dict | None, new: dict, writer: Writer) -> None:
    """Set `new`'s managedFields after a write by `writer` that was not an apply."""
    sent = new.get("metadata", {}).get("managedFields")
    if sent == RESET_TO_ALL:
        new["metadata"].pop("managedFields", None)
        return
    managers = _managers_of(old)
    if sent:
        try:  # what the client sent replaces the stored owners (kubectl's CSA → SSA upgrade edits them)
            managers = owners.decode(sent)
        except ValueError:
            pass  # entries that are not managedFields: keep the stored ones, as Kubernetes does
    schema = schema_of(record)
    before = _without_managed_fields(old) if old is not None else zero_object(schema)
    comparison = compare(before, _without_managed_fields(new), schema)
    for part in ("added", "modified", "removed"):
        setattr(comparison, part, _scope(record, writer.subresource, getattr(comparison, part)))
    if not comparison.same():
        me = owners.identity(writer.manager, owners.UPDATE, writer.api_version, writer.subresource)
        managers = owners.update(managers, comparison, me, api_version=writer.api_version, now=writer.now)
    _store(new, managers)


def apply_config(record, live: dict | None, config: dict, writer: Writer, *, force: bool) -> dict:
    """The object an apply of `config` by `writer` makes of `live` (None: it creates), with its owners."""
    schema = schema_of(record)
    managers = _managers_of(live)
    me = owners.identity(writer.manager, owners.APPLY, writer.api_version, writer.subresource)
    base = _without_managed_fields(live) if live is not None else {}
    config = _without_managed_fields(config)
    last = managers[me].fields if me in managers else None
    applied = _scope(record, writer.subresource, field_set(config, schema))
    previous = managers.get(me)
    unchanged = previous is not None and previous.fields == applied and previous.api_version == writer.api_version
    # As upstream, an applier's `time` moves only when what it applies changes: re-applying the
    # same manifest must leave the object (and its resourceVersion) as it was.
    managers[me] = previous if unchanged else owners.Entry(me, applied, writer.api_version, writer.now)
    owned = FieldSet()
    for entry in managers.values():
        owned = owned.union(entry.fields)
    result = prune(merge(base, config, schema), last, owned, schema)
    comparison = compare(base, result, schema)
    for part in ("added", "modified", "removed"):
        setattr(comparison, part, _scope(record, writer.subresource, getattr(comparison, part)))
    found = owners.conflicts(managers, comparison, me)
    if found and not force and not _upgrades_client_side_apply(found, live, writer, schema):
        raise conflict_error(found)
    _store(result, owners.update(managers, comparison, me, api_version=writer.api_version, now=writer.now))
    if writer.manager == last_applied.KUBECTL:
        last_applied.sync(result, config)
    return result


def _upgrades_client_side_apply(found: list, live: dict | None, writer: Writer, schema) -> bool:
    """kubectl's first server-side apply over its client-side applies takes what those last set."""
    if writer.manager != last_applied.KUBECTL:
        return False
    allowed = last_applied.allowed_conflicts(live, schema)
    return allowed is not None and all(allowed.has(path) for _, path in found)


def conflict_error(found: list) -> ApiError:
    """409 as Kubernetes words it: one cause per field, the message grouped by manager."""
    causes = [
        {"type": "FieldManagerConflict", "message": f"conflict with {entry.identity.describe()}", "field": path_text(p)}
        for entry, p in found
    ]
    if len(found) == 1:
        entry, path = found[0]
        message = f"Apply failed with 1 conflict: conflict with {entry.identity.describe()}: {path_text(path)}"
    else:
        by_manager: dict[str, list[str]] = {}
        for entry, path in found:
            by_manager.setdefault(entry.identity.describe(), []).append(path_text(path))
        lines = []
        for manager in sorted(by_manager):
            lines.append(f"conflicts with {manager}:")
            lines.extend(f"- {path}" for path in by_manager[manager])
        message = f"Apply failed with {len(found)} conflicts: " + "\n".join(lines)
    return ApiError(409, message, reason="Conflict", details={"causes": causes})
