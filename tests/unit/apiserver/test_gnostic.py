"""The swagger document as gnostic protobuf, read back with the wire reader: every path and every
definition is there under its name, and a schema's description and required list survive."""

from __future__ import annotations

from apiserver.openapi.documents import swagger_document
from apiserver.openapi.gnostic import encode_document
from apiserver.protobuf.wire import iter_fields

DOCUMENT_SWAGGER, DOCUMENT_PATHS, DOCUMENT_DEFINITIONS = 1, 8, 9
NAMED_NAME, NAMED_VALUE = 1, 2
SCHEMA_DESCRIPTION, SCHEMA_REQUIRED = 4, 19


def _fields(data: bytes) -> dict[int, list]:
    found: dict[int, list] = {}
    for number, _, value in iter_fields(data):
        found.setdefault(number, []).append(value)
    return found


def _named(data: bytes, number: int) -> dict[str, bytes]:
    """A gnostic Named* list (repeated {name, value}) as a dict."""
    entries = {}
    for entry in _fields(data).get(number, []):
        fields = _fields(entry)
        entries[fields[NAMED_NAME][0].decode()] = fields[NAMED_VALUE][0]
    return entries


def test_every_path_and_definition_is_encoded_under_its_name():
    document = swagger_document()
    top = _fields(encode_document(document))
    assert top[DOCUMENT_SWAGGER] == [b"2.0"]
    paths = _named(top[DOCUMENT_PATHS][0], 2)
    definitions = _named(top[DOCUMENT_DEFINITIONS][0], 1)
    assert set(paths) == set(document["paths"])
    assert set(definitions) == set(document["definitions"])
    pod = _fields(definitions["io.k8s.api.core.v1.Container"])
    assert pod[SCHEMA_DESCRIPTION][0].decode() == document["definitions"]["io.k8s.api.core.v1.Container"]["description"]
    assert [v.decode() for v in pod[SCHEMA_REQUIRED]] == ["name"]
