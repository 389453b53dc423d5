"""The feeds a page can ask a stream for: which resource to list-and-watch and how to shape its objects.

    ?feeds=pods,nodes&namespace=ns&labelSelector=app%3Dweb&name=web-1
`name` narrows a feed to one object (the pod page): `fieldSelector=metadata.name=<name>`
for the object itself and `involvedObject.name=<name>` for its events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from dashboard.shaping.events import event_row
from dashboard.shaping.network import endpointslice_row, ingress_row, service_row
from dashboard.shaping.nodes import node_row
from dashboard.shaping.pods import pod_detail, pod_row
from dashboard.shaping.workloads import cronjob_row, daemonset_row, deployment_row, job_row, statefulset_row
from kubemini.api.registry import by_kind
from kubemini.api.resource_type import ResourceType

Shaper = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Feed:
    name: str
    kind: str
    shape: Shaper
    name_field: str = "metadata.name"  # the field selector that narrows this feed to one object
    uses_label_selector: bool = False

    @property
    def resource(self) -> ResourceType:
        return by_kind(self.kind)

    def field_selector(self, name: str | None) -> str | None:
        return f"{self.name_field}={name}" if name else None


FEEDS: dict[str, Feed] = {
    feed.name: feed
    for feed in (
        Feed(
            "namespaces",
            "Namespace",
            lambda o: {
                "key": o["metadata"]["name"],
                "name": o["metadata"]["name"],
                "phase": (o.get("status") or {}).get("phase") or "",
            },
        ),
        Feed("nodes", "Node", node_row),
        Feed("pods", "Pod", pod_row, uses_label_selector=True),
        Feed("pod-detail", "Pod", pod_detail),
        Feed("deployments", "Deployment", deployment_row, uses_label_selector=True),
        Feed("statefulsets", "StatefulSet", statefulset_row, uses_label_selector=True),
        Feed("daemonsets", "DaemonSet", daemonset_row, uses_label_selector=True),
        Feed("jobs", "Job", job_row, uses_label_selector=True),
        Feed("cronjobs", "CronJob", cronjob_row, uses_label_selector=True),
        Feed("services", "Service", service_row),
        Feed("endpointslices", "EndpointSlice", endpointslice_row),
        Feed("ingresses", "Ingress", ingress_row),
        Feed("events", "Event", event_row, name_field="involvedObject.name"),
    )
}
MAX_FEEDS_PER_STREAM = 8


class UnknownFeed(ValueError):
    pass


def parse_feeds(text: str) -> tuple[Feed, ...]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in FEEDS]
    if unknown or not names or len(names) > MAX_FEEDS_PER_STREAM:
        raise UnknownFeed(f"feeds must be 1 to {MAX_FEEDS_PER_STREAM} of {', '.join(FEEDS)}; got {text!r}")
    return tuple(FEEDS[name] for name in dict.fromkeys(names))
