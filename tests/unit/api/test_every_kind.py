"""Every registered kind is complete: a strategy, an upstream schema, table cells, defaults, and a
maximal object (every field the schema has, set) that typed decoding and protobuf both keep intact."""

from __future__ import annotations

import copy

import pytest

from apiserver.protobuf import decode_protobuf_object, encode_protobuf_object
from apiserver.protobuf.envelope import UnsupportedKind, definition_of
from kubemini.api.kinds.checking import OPEN_OBJECT, schema_of, validate_object
from kubemini.api.kinds.strategy import Strategy
from kubemini.api.registry import RESOURCES, stored_version
from kubemini.api.schema.typed_decoding import decode_typed
from tests.support.maximal_objects import maximal
from tests.support.minimal_objects import minimal

KINDS = [r for r in RESOURCES if not r.virtual]
IDS = [f"{r.api_version}/{r.kind}" for r in KINDS]


@pytest.mark.parametrize("record", KINDS, ids=IDS)
def test_every_kind_has_a_strategy_and_an_upstream_schema(record):
    assert isinstance(record.strategy, Strategy)
    assert schema_of(record) is not OPEN_OBJECT, "every built-in kind is decoded against its upstream schema"
    assert any(column.format == "name" for column in record.strategy.columns)
    assert "metadata.name" in record.strategy.selectable_fields()
    assert stored_version(record).stored


@pytest.mark.parametrize("record", KINDS, ids=IDS)
def test_a_minimal_object_defaults_validates_and_prints(record):
    obj = minimal(record.api_version, record.kind, "x")
    if record.namespaced:
        obj["metadata"]["namespace"] = "default"
    obj["metadata"].update({"uid": "u-1", "creationTimestamp": "2026-01-01T00:00:00Z"})
    decode_typed(schema_of(record), obj)
    stored = record.strategy.to_storage(obj)
    record.strategy.default(stored)
    errors = validate_object(record, stored, schema=schema_of(stored_version(record)))
    assert not errors, errors.summary()
    cells = record.strategy.cells(record.strategy.from_storage(stored))
    assert len(cells) == len(record.strategy.columns)


@pytest.mark.parametrize("record", KINDS, ids=IDS)
def test_a_maximal_object_survives_typed_decoding_unchanged(record):
    obj = maximal(record)
    decoded = copy.deepcopy(obj)
    findings = decode_typed(schema_of(record), decoded)
    assert findings.unknown == [] and findings.duplicates == []
    assert decoded == obj


def _has_protobuf(record) -> bool:
    try:
        definition_of(record.api_version, record.kind)
    except UnsupportedKind:
        return False
    return True


def _seconds_precision(value: object) -> object:
    """MicroTime comes back from protobuf with its microseconds spelled out, as upstream writes it."""
    if isinstance(value, dict):
        return {key: _seconds_precision(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_seconds_precision(item) for item in value]
    if isinstance(value, str) and value.endswith(".000000Z"):
        return value.removesuffix(".000000Z") + "Z"
    return value


PROTOBUF_KINDS = [r for r in KINDS if r.stored and _has_protobuf(r)]


def test_every_upstream_group_has_protobuf_kinds():
    groups = {r.group for r in PROTOBUF_KINDS}
    assert groups >= {"", "apps", "batch", "rbac.authorization.k8s.io", "coordination.k8s.io"}


@pytest.mark.parametrize("record", PROTOBUF_KINDS, ids=[f"{r.api_version}/{r.kind}" for r in PROTOBUF_KINDS])
def test_a_maximal_object_survives_protobuf_both_ways(record):
    obj = maximal(record)
    assert _seconds_precision(decode_protobuf_object(encode_protobuf_object(obj))) == obj
