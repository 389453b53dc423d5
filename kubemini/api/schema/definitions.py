"""The upstream Kubernetes v1.35 API definitions, read once from the `kubernetes-validate` package.

    kubernetes_validate/kubernetes-json-schema/v1.35.0-local/_definitions.json
        │ JSON Schema (draft 2020-12) converted from upstream's OpenAPI: descriptions,
        │ formats, `required`, x-kubernetes-list-type / -list-map-keys / -map-type,
        │ x-kubernetes-patch-merge-key / -patch-strategy, x-kubernetes-group-version-kind
        ▼
    raw_definitions()  name → definition  (`io.k8s.api.core.v1.PodSpec` → {...})

The package is located without importing it (its `__init__` pulls in jsonschema,
which we do not use): only its data file is read. Everything else in kubemini
that knows a field (typed decoding, OpenAPI, `kubectl explain`, strategic-merge
keys, server-side apply) derives from this one source.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path

from kubemini.api.schema.metrics_definitions import METRICS_DEFINITIONS

KUBERNETES_VERSION = "v1.35.0"
PACKAGE = "kubernetes_validate"
_DEFINITIONS_FILE = f"kubernetes-json-schema/{KUBERNETES_VERSION}-local/_definitions.json"
REF_PREFIX = "#/$defs/"


class DefinitionsMissing(RuntimeError):
    pass


def definitions_path() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DefinitionsMissing(
            f"the PyPI package {PACKAGE!r} (upstream API definitions) is not installed: pip install -e ."
        )
    path = Path(list(spec.submodule_search_locations)[0]) / _DEFINITIONS_FILE
    if not path.exists():
        raise DefinitionsMissing(f"{path} is missing: {PACKAGE} no longer ships Kubernetes {KUBERNETES_VERSION}")
    return path


@functools.cache
def raw_definitions() -> dict[str, dict]:
    """Every upstream definition by its OpenAPI name (and metrics.k8s.io's); read-only by contract."""
    with definitions_path().open("rb") as handle:
        definitions = json.load(handle)["$defs"]
    for name, definition in METRICS_DEFINITIONS.items():
        definitions.setdefault(name, definition)
    return definitions


def ref_name(ref: str) -> str:
    """`#/$defs/io.k8s.api.core.v1.Pod` → `io.k8s.api.core.v1.Pod`."""
    return ref.removeprefix(REF_PREFIX)


@functools.cache
def definition_for_kind(group: str, version: str, kind: str) -> str | None:
    """The definition name carrying this group-version-kind, if upstream has one."""
    return _gvk_index().get((group, version, kind))


@functools.cache
def _gvk_index() -> dict[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, definition in raw_definitions().items():
        for gvk in definition.get("x-kubernetes-group-version-kind") or []:
            key = (gvk.get("group", ""), gvk["version"], gvk["kind"])
            # DeleteOptions and WatchEvent carry every group-version; the first is the real one.
            index.setdefault(key, name)
    return index
