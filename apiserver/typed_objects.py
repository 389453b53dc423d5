"""A decoded body (or patch result) checked against its kind's schema, with `fieldValidation` applied.

Decoded(document, duplicates) + record ──► kind/apiVersion match the path (400)
    ──► decode_typed(schema) (400 `<Kind> in version "v1" cannot be handled as a <Kind>: json: ...`)
    ──► unknown / duplicate fields:  Strict → 400 `strict decoding error: unknown field "spec.x"`
                                      Warn (default) → `Warning` headers; Ignore → nothing
    ──► the object, pruned of unknown fields, and the warnings
"""

from __future__ import annotations

from apiserver.errors import ApiError, bad_request
from kubemini.api.kinds.checking import schema_of
from kubemini.api.schema.nodes import schema_for
from kubemini.api.schema.typed_decoding import TypeMismatch, decode_typed

FIELD_VALIDATION_MODES = ("Strict", "Warn", "Ignore")
DEFAULT_FIELD_VALIDATION = "Warn"


def field_validation_mode(params) -> str:
    mode = params.get("fieldValidation") or DEFAULT_FIELD_VALIDATION
    if mode not in FIELD_VALIDATION_MODES:
        raise bad_request(f'fieldValidation "{mode}" is invalid; valid values are: Strict, Warn, Ignore')
    return mode


def check_type_meta(record, obj: dict) -> None:
    """A body's kind/apiVersion, when given, must be the path's; fill them when absent."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if kind and kind != record.kind:
        raise bad_request(f"the kind of the object ({kind}) does not match the path ({record.kind})")
    if api_version and api_version != record.api_version:
        raise bad_request(
            f"the API version in the data ({api_version}) does not match the expected API version "
            f"({record.api_version})"
        )
    obj["kind"], obj["apiVersion"] = record.kind, record.api_version


def typed_object(
    record, document: object, *, mode: str, duplicates: dict[int, list[str]] | None = None, what: str | None = None
) -> tuple[dict, list[str]]:
    """The document as an object of `record`'s kind, and the warnings to send back."""
    if not isinstance(document, dict):
        raise bad_request("the request body must be a JSON or YAML object")
    check_type_meta(record, document)
    try:
        findings = decode_typed(schema_of(record), document, duplicates_by_id=duplicates)
    except TypeMismatch as exc:
        kind = what or record.kind
        raise ApiError(
            400, f'{kind} in version "{record.version}" cannot be handled as a {kind}: {exc}', reason="BadRequest"
        ) from exc
    except RecursionError:
        raise bad_request("the object is nested too deeply") from None
    problems = [f'unknown field "{path}"' for path in findings.unknown]
    problems += [f'duplicate field "{path}"' for path in findings.duplicates]
    if not problems or mode == "Ignore":
        return document, []
    if mode == "Strict":
        raise bad_request(f"strict decoding error: {', '.join(problems)}")
    return document, problems


def typed_document(definition: str, document: object, *, kind: str, version: str = "v1") -> dict:
    """A body of a fixed upstream type (Scale, Binding, Eviction, DeleteOptions), type-checked and pruned."""
    if not isinstance(document, dict):
        raise bad_request(f"the request body must be a {kind} object")
    if document.get("kind") not in (None, "", kind):
        raise bad_request(f"expected a {kind}, got {document.get('kind')}")
    try:
        decode_typed(schema_for(definition), document)
    except TypeMismatch as exc:
        raise ApiError(
            400, f'{kind} in version "{version}" cannot be handled as a {kind}: {exc}', reason="BadRequest"
        ) from exc
    except RecursionError:
        raise bad_request("the object is nested too deeply") from None
    return document
