"""Events: the core/v1 shape (stored) and the events.k8s.io/v1 view of the same objects.

core/v1 Event          events.k8s.io/v1 Event
involvedObject    ⇄    regarding
message           ⇄    note
source            ⇄    deprecatedSource
firstTimestamp    ⇄    deprecatedFirstTimestamp
lastTimestamp     ⇄    deprecatedLastTimestamp
count             ⇄    deprecatedCount
reportingComponent⇄    reportingController
(same name)       ⇄    eventTime, series, action, reason, related, type, reportingInstance
"""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import Column, Strategy

EVENT_TYPES = ("Normal", "Warning")
NOTE_MAX_BYTES = 1024
RENAMED = (
    ("involvedObject", "regarding"),
    ("message", "note"),
    ("source", "deprecatedSource"),
    ("firstTimestamp", "deprecatedFirstTimestamp"),
    ("lastTimestamp", "deprecatedLastTimestamp"),
    ("count", "deprecatedCount"),
    ("reportingComponent", "reportingController"),
)
SHARED = ("metadata", "eventTime", "action", "reason", "related", "type", "reportingInstance")


def _event_time(obj: dict) -> str | None:
    return obj.get("lastTimestamp") or obj.get("eventTime") or (obj.get("metadata") or {}).get("creationTimestamp")


def _object_cell(obj: dict) -> str:
    involved = obj.get("involvedObject") or {}
    return f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"


class EventStrategy(Strategy):
    field_labels = (
        "involvedObject.kind",
        "involvedObject.namespace",
        "involvedObject.name",
        "involvedObject.uid",
        "involvedObject.apiVersion",
        "involvedObject.resourceVersion",
        "involvedObject.fieldPath",
        "reason",
        "reportingComponent",
        "source",
        "type",
    )
    columns = (
        Column("Last Seen", description="Time when this Event was last seen"),
        Column("Type", description="Type of this event (Normal, Warning), new types could be added in the future."),
        Column(
            "Reason",
            description="This should be a short, machine understandable string that gives the reason for this "
            "event being generated.",
        ),
        Column("Object", description="The object this Event is about."),
        Column("Subobject", priority=1, description="The field path of the object this Event is about."),
        Column("Source", priority=1, description="The component reporting this event."),
        Column("Message", description="A human-readable description of the status of this operation."),
        Column("First Seen", priority=1, description="The time at which the event was first recorded."),
        Column("Count", type="integer", priority=1, description="The number of times this event has occurred."),
        Column("Name", format="name", priority=1, description="Name must be unique within a namespace."),
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        involved = obj.get("involvedObject") or {}
        namespace = (obj.get("metadata") or {}).get("namespace")
        if involved.get("namespace") and namespace and involved["namespace"] != namespace:
            errors.invalid("involvedObject.namespace", involved["namespace"], "does not match event.namespace")
        if obj.get("type") is not None and obj["type"] not in EVENT_TYPES:
            errors.not_supported("type", obj["type"], EVENT_TYPES)

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        involved = obj.get("involvedObject") or {}
        for key in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
            values[f"involvedObject.{key}"] = str(involved.get(key) or "")
        values["reason"] = str(obj.get("reason") or "")
        values["reportingComponent"] = str(obj.get("reportingComponent") or "")
        values["source"] = str((obj.get("source") or {}).get("component") or "")
        values["type"] = str(obj.get("type") or "")
        return values

    def cells(self, obj: dict) -> list:
        source = obj.get("source") or {}
        source_text = ", ".join(v for v in (source.get("component"), source.get("host")) if v)
        count = obj.get("count") or ((obj.get("series") or {}).get("count")) or 1
        return [
            printing.since(_event_time(obj)),
            obj.get("type", ""),
            obj.get("reason", ""),
            _object_cell(obj),
            (obj.get("involvedObject") or {}).get("fieldPath", ""),
            source_text or obj.get("reportingComponent", ""),
            obj.get("message", ""),
            printing.since(obj.get("firstTimestamp") or obj.get("eventTime")),
            count,
            printing.name(obj),
        ]


def to_core(event: dict) -> dict:
    core = {key: event[key] for key in SHARED if key in event}
    for core_name, new_name in RENAMED:
        if new_name in event:
            core[core_name] = event[new_name]
    if "series" in event:
        core["series"] = event["series"]
    core["kind"], core["apiVersion"] = "Event", "v1"
    return core


def from_core(event: dict) -> dict:
    view = {key: event[key] for key in SHARED if key in event}
    for core_name, new_name in RENAMED:
        if core_name in event:
            view[new_name] = event[core_name]
    if "series" in event:
        view["series"] = {k: v for k, v in event["series"].items() if k in ("count", "lastObservedTime")}
    view["kind"], view["apiVersion"] = "Event", "events.k8s.io/v1"
    return view


class EventsV1Strategy(EventStrategy):
    """events.k8s.io/v1: stricter on create, as upstream's events API is; stored in core form."""

    field_labels = EventStrategy.field_labels

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        # `obj` is already the core form here (the apiserver converts before validating).
        super().validate(obj, errors)
        for field, shown in (
            ("eventTime", "eventTime"),
            ("reportingComponent", "reportingController"),
            ("reportingInstance", "reportingInstance"),
            ("action", "action"),
            ("reason", "reason"),
        ):
            if not obj.get(field):
                errors.required(shown)
        if len((obj.get("message") or "").encode()) > NOTE_MAX_BYTES:
            errors.invalid("note", "<too long>", f"can have at most {NOTE_MAX_BYTES} characters")

    def to_storage(self, obj: dict) -> dict:
        return to_core(obj)

    def from_storage(self, obj: dict) -> dict:
        return from_core(obj)
