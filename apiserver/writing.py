"""Create and update: the write paths every verb (POST, PUT, PATCH, subresources) ends in.

    served object ──strategy.to_storage──► server metadata, status, generation (metadata.py)
        ──► strategy.default ──► admission: mutate ──► validate_object (422) ──► admission: validate
        ──► size (413) ──► one etcd transaction: compare-and-swap on the revision the change was
            computed from, plus the admission plugins' side keys
        ──► strategy.from_storage ──► served object

No write is half-done. Nothing here names a kind: a kind's rules come from its
strategy, side effects from the admission plugins that handle it.
"""

from __future__ import annotations

from collections.abc import Callable

from apiserver.admission import (
    CREATE,
    DELETE,
    UPDATE,
    Attributes,
    explain_taken,
    mutate,
    validate,
    write_attempt,
)
from apiserver.apply import Writer, record_write
from apiserver.decoding.limits import MAX_OBJECT_BYTES
from apiserver.decoding.reading import too_large
from apiserver.errors import ApiError, bad_request, conflict, from_storage, invalid, not_found
from apiserver.metadata import (
    MAIN,
    STATUS,
    check_identity,
    check_namespace_matches,
    generated_name,
    is_finalized,
    prepare_create,
    prepare_update,
)
from apiserver.request_info import RequestInfo
from apiserver.storage.backend import Stored
from apiserver.storage.errors import (
    KeyExists,
    KeyNotFound,
    OutcomeUnknown,
    RevisionConflict,
    SideKeyTaken,
    StorageError,
)
from apiserver.storage.etcd_store import encode
from kubemini import json_codec
from kubemini.api import timestamps
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds.checking import schema_of, validate_object
from kubemini.api.registry import stored_version
from kubemini.api.schema.required import check_required
from kubemini.api.schema.typed_decoding import TypeMismatch, decode_typed

MAX_CONFLICT_RETRIES = 10
CREATE_ATTEMPTS = 8


def check_size(obj: dict) -> None:
    try:
        size = len(encode(obj))
    except ValueError:
        raise bad_request("the object holds a number JSON cannot carry (NaN or Infinity)") from None
    if size > MAX_OBJECT_BYTES:
        raise too_large()


def served(record, obj: dict) -> dict:
    """A stored object in the record's version (type meta filled even when storage lacks it)."""
    if not record.stored:
        return record.strategy.from_storage(obj)
    if obj.get("kind") != record.kind or obj.get("apiVersion") != record.api_version:
        obj["kind"], obj["apiVersion"] = record.kind, record.api_version
    return obj


def _raise_invalid(record, obj: dict, errors: FieldErrors) -> None:
    if errors:
        raise invalid(stored_version(record), (obj.get("metadata") or {}).get("name") or "", errors, kind=record.kind)


def _writer(ctx, record, subresource: str | None) -> Writer:
    return Writer(ctx.field_manager, record.api_version, subresource or "", timestamps.now())


async def create_object(ctx, record, obj: dict, *, namespace: str | None, applied: bool = False) -> dict:
    """Store a new object (already typed-decoded in `record`'s version); the stored object, served.

    Its managedFields record the create as an Update by the request's manager, unless an apply
    (`applied`) has set them already."""
    stored_record = stored_version(record)
    obj = record.strategy.to_storage(obj) if not record.stored else obj
    obj["kind"], obj["apiVersion"] = stored_record.kind, stored_record.api_version
    check_namespace_matches(record, obj, namespace)
    generated = prepare_create(record, obj)
    record.strategy.default(obj)
    pristine = json_codec.dumps(obj)  # each retry starts again from this (admission changes the candidate)
    attrs = Attributes(stored_record, CREATE, obj, namespace=obj["metadata"].get("namespace"), dry_run=ctx.dry_run)
    for attempt in range(CREATE_ATTEMPTS):
        candidate = json_codec.loads(pristine) if attempt else obj
        if attempt and generated:
            # A generated name that collided is drawn again, as Kubernetes does.
            candidate["metadata"]["name"] = generated_name(candidate["metadata"]["generateName"])
        attrs = Attributes(
            stored_record, CREATE, candidate, namespace=attrs.namespace, dry_run=ctx.dry_run, notes=attrs.notes
        )
        await mutate(ctx, attrs)
        if not applied:
            record_write(stored_record, None, candidate, _writer(ctx, record, None))
        _raise_invalid(record, candidate, validate_object(record, candidate, schema=schema_of(stored_record)))
        async with write_attempt(attrs):  # a plugin's lock lasts until the transaction is done
            await validate(ctx, attrs)
            check_size(candidate)
            name = candidate["metadata"]["name"]
            key = stored_record.storage_key(name, attrs.namespace)
            try:
                return served(record, (await ctx.store.create(key, candidate, side=attrs.side)).obj)
            except KeyExists as exc:
                if not generated:
                    raise from_storage(exc, stored_record, name) from exc
            except SideKeyTaken:
                if error := await explain_taken(ctx, attrs):
                    raise error from None
            except OutcomeUnknown as exc:
                return served(record, await _resolve_unknown_create(ctx, stored_record, key, candidate, exc))
            except StorageError as exc:
                raise from_storage(exc, stored_record, name) from exc
    raise ApiError(409, "could not create the object after repeated conflicts; try again", reason="Conflict")


async def _resolve_unknown_create(ctx, record, key: str, candidate: dict, error: OutcomeUnknown) -> dict:
    """A create whose answer was lost: if the key now holds our object (same uid) it succeeded."""
    try:
        stored = await ctx.store.get(key)
    except StorageError:
        raise from_storage(error, record, candidate["metadata"]["name"]) from error
    if stored.obj.get("metadata", {}).get("uid") == candidate["metadata"]["uid"]:
        return stored.obj
    raise from_storage(error, record, candidate["metadata"]["name"]) from error


async def read_stored(ctx, info: RequestInfo, *, shared: bool = False) -> Stored:
    """The object from etcd. `shared`: the watch cache's entry when the cache holds that revision
    (then `obj` is the cache's, read-only, and the schema check below is remembered on it)."""
    cache = ctx.caches.get(stored_version(info.resource).storage_resource) if shared else None
    try:
        return await ctx.store.get(info.storage_key, known=cache.known if cache is not None else None)
    except StorageError as exc:
        raise from_storage(exc, stored_version(info.resource), info.name or "") from exc


def stored_fits_schema(record, obj: dict) -> bool:
    """Whether a stored object still decodes against its schema (one written around the API may not)."""
    try:
        decode_typed(schema_of(stored_version(record)), json_codec.clone(obj))
    except (TypeMismatch, RecursionError):
        return False
    return True


def _fits_schema(record, current: Stored) -> bool:
    if current.entry is None:
        return stored_fits_schema(record, current.obj)
    return current.entry.form(("fits", record.api_version), lambda obj: stored_fits_schema(record, obj))


def _copy(current: Stored) -> dict:
    """A private copy of the current object to change (from the entry's JSON when there is one)."""
    return json_codec.loads(current.entry.json()) if current.entry is not None else json_codec.clone(current.obj)


def _malformed(record, name: str) -> ApiError:
    return ApiError(
        500,
        f'the stored {record.kind} "{name}" does not fit its schema (written around the API server?); '
        "replace it with a PUT of a valid object or delete it",
        reason="InternalError",
    )


def _check_update(record, new: dict, old: dict | None, *, mode: str) -> None:
    if mode == STATUS:
        errors = FieldErrors()
        check_required(schema_of(stored_version(record)), new, errors)
        record.strategy.validate_status_update(new, old, errors)
    else:
        schema = schema_of(stored_version(record))
        errors = validate_object(record, new, old=old if mode == MAIN and old is not None else None, schema=schema)
    _raise_invalid(record, new, errors)


async def update_object(
    ctx,
    info: RequestInfo,
    change: Callable[[dict], dict],
    *,
    expected_revision: str | None = None,
    mode: str = MAIN,
    applied: bool = False,
    owner_subresource: str | None = None,
) -> dict:
    """Read-modify-write: `change(current)` (served form) returns the new desired object.

    With `expected_revision` (the body's metadata.resourceVersion) a moved object is a
    409; without it the change is re-applied to the latest state. The write is recorded in
    managedFields (under `owner_subresource`, default the request's) unless `change` was an
    apply that recorded it (`applied`).
    """
    subresource = owner_subresource or (info.subresource if mode != MAIN else None)
    record = info.resource
    stored_record = stored_version(record)
    for _ in range(MAX_CONFLICT_RETRIES):
        current = await read_stored(ctx, info, shared=True)  # read-only: changes go to a copy
        if expected_revision and str(current.mod_revision) != expected_revision:
            raise conflict(stored_record, info.name or "")
        intact = _fits_schema(record, current)
        if not intact and mode != MAIN:
            raise _malformed(record, info.name or "")
        new = change(served(record, _copy(current)))
        new = new if record.stored else record.strategy.to_storage(new)
        check_namespace_matches(record, new, info.namespace)
        check_identity(stored_record, info.name or "", new, current.obj)
        merged = prepare_update(record, current.obj, new, mode=mode)
        record.strategy.default(merged)
        merged["metadata"]["resourceVersion"] = current.obj["metadata"]["resourceVersion"]
        attrs = Attributes(
            stored_record,
            UPDATE,
            merged,
            old=current.obj,
            subresource=info.subresource if mode != MAIN else None,
            namespace=info.namespace,
            dry_run=ctx.dry_run,
        )
        finalized = is_finalized(record, merged)
        if not finalized:
            await mutate(ctx, attrs)
            if not applied:
                record_write(stored_record, current.obj, merged, _writer(ctx, record, subresource))
            _check_update(record, merged, current.obj if intact else None, mode=mode)
        async with write_attempt(attrs):  # a plugin's lock lasts until the transaction is done
            if not finalized:
                await validate(ctx, attrs)
                check_size(merged)
            if merged == current.obj and not current.stale:
                return served(record, current.obj)
            try:
                if finalized:
                    return served(record, await _delete_finalized(ctx, info, current, merged))
                stored = await ctx.store.update(
                    info.storage_key, merged, expected_revision=current.mod_revision, side=attrs.side
                )
                return served(record, stored.obj)
            except SideKeyTaken:
                if error := await explain_taken(ctx, attrs):
                    raise error from None
            except RevisionConflict:
                if expected_revision:
                    raise conflict(stored_record, info.name or "") from None
            except KeyNotFound:
                raise not_found(stored_record, info.name or "") from None
            except StorageError as exc:
                raise from_storage(exc, stored_record, info.name or "") from exc
    raise conflict(stored_record, info.name or "")


async def _delete_finalized(ctx, info: RequestInfo, current: Stored, merged: dict) -> dict:
    stored_record = stored_version(info.resource)
    attrs = Attributes(stored_record, DELETE, current.obj, namespace=info.namespace, dry_run=ctx.dry_run)
    await mutate(ctx, attrs)
    revision = await ctx.store.delete(info.storage_key, expected_revision=current.mod_revision, side=attrs.side)
    merged["metadata"]["resourceVersion"] = str(revision)
    return merged
