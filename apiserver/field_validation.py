"""`fieldValidation=Strict|Warn|Ignore`: unknown fields at the levels kubemini knows completely.

Only the top level of each kind and ObjectMeta are checked: those field lists
are complete, so a valid manifest is never refused for a field we forgot.
"""

from __future__ import annotations

from apiserver.errors import bad_request

_COMMON_TOP = {"apiVersion", "kind", "metadata"}
_TOP_LEVEL = {
    "ConfigMap": {"data", "binaryData", "immutable"},
    "Secret": {"data", "stringData", "type", "immutable"},
    "Endpoints": {"subsets"},
    "Event": {
        "involvedObject",
        "reason",
        "message",
        "source",
        "firstTimestamp",
        "lastTimestamp",
        "count",
        "type",
        "eventTime",
        "series",
        "action",
        "related",
        "reportingComponent",
        "reportingInstance",
    },
}
_SPEC_STATUS = {"spec", "status"}
OBJECT_META_FIELDS = {
    "name",
    "generateName",
    "namespace",
    "selfLink",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "labels",
    "annotations",
    "ownerReferences",
    "finalizers",
    "managedFields",
}
MODES = ("Strict", "Warn", "Ignore")


def unknown_fields(kind: str, obj: dict) -> list[str]:
    allowed = _COMMON_TOP | _TOP_LEVEL.get(kind, _SPEC_STATUS)
    unknown = [key for key in obj if key not in allowed]
    metadata = obj.get("metadata")
    if isinstance(metadata, dict):
        unknown += [f"metadata.{key}" for key in metadata if key not in OBJECT_META_FIELDS]
    return unknown


def check_fields(kind: str, obj: dict, mode: str | None) -> list[str]:
    """Raise 400 for Strict; return warnings for Warn; nothing for Ignore or no mode."""
    if mode in (None, "", "Ignore"):
        return []
    if mode not in MODES:
        raise bad_request(f"fieldValidation must be one of {', '.join(MODES)}, got {mode!r}")
    unknown = unknown_fields(kind, obj)
    if not unknown:
        return []
    messages = [f'unknown field "{field}"' for field in unknown]
    if mode == "Strict":
        raise bad_request(f"strict decoding error: {', '.join(messages)}")
    return messages
