"""metrics.k8s.io/v1beta1 definitions (k8s.io/metrics `pkg/apis/metrics/v1beta1`), which the
`kubernetes-validate` package does not carry: metrics-server publishes them, kube-apiserver does not.

Added to the upstream definitions (definitions.py), so OpenAPI v2/v3 and `kubectl explain` cover the
group like any other; same form as the converted upstream file (JSON Schema, `#/$defs/` refs).
"""

from __future__ import annotations

PREFIX = "io.k8s.metrics.pkg.apis.metrics.v1beta1."
_META = "#/$defs/io.k8s.apimachinery.pkg.apis.meta.v1."
_QUANTITY = {"$ref": "#/$defs/io.k8s.apimachinery.pkg.api.resource.Quantity"}
_GVK = {"group": "metrics.k8s.io", "version": "v1beta1"}


def _string(description: str) -> dict:
    return {"description": description, "type": ["string", "null"]}


def _usage(description: str) -> dict:
    return {"additionalProperties": _QUANTITY, "description": description, "type": ["object", "null"]}


def _kind(kind: str, description: str, properties: dict, required: list[str]) -> dict:
    return {
        "description": description,
        "properties": {
            "apiVersion": _string("APIVersion defines the versioned schema of this representation of an object."),
            "kind": _string("Kind is a string value representing the REST resource this object represents."),
            **properties,
        },
        "required": required,
        "type": ["object", "null"],
        "x-kubernetes-group-version-kind": [{**_GVK, "kind": kind}],
    }


def _list(kind: str) -> dict:
    items = {
        "description": f"List of {kind.lower()} metrics.",
        "items": {"$ref": f"#/$defs/{PREFIX}{kind}"},
        "type": "array",
    }
    metadata = {"$ref": f"{_META}ListMeta", "description": "Standard list metadata."}
    return _kind(f"{kind}List", f"{kind}List is a list of {kind}.", {"items": items, "metadata": metadata}, ["items"])


_TIMESTAMP = {
    "$ref": f"{_META}Time",
    "description": "The following fields define time interval from which metrics were collected from the "
    "interval [Timestamp-Window, Timestamp].",
}
_WINDOW = {"$ref": f"{_META}Duration"}
_OBJECT_META = {"$ref": f"{_META}ObjectMeta", "description": "Standard object's metadata."}

METRICS_DEFINITIONS: dict[str, dict] = {
    f"{_META.removeprefix('#/$defs/')}Duration": {
        "description": "Duration is a wrapper around time.Duration which supports correct marshaling to YAML and JSON.",
        "type": ["string", "null"],
    },
    f"{PREFIX}ContainerMetrics": {
        "description": "ContainerMetrics sets resource usage metrics of a container.",
        "properties": {
            "name": _string("Container name corresponding to the one from pod.spec.containers."),
            "usage": _usage("The memory usage is the memory working set."),
        },
        "required": ["name", "usage"],
        "type": ["object", "null"],
    },
    f"{PREFIX}NodeMetrics": _kind(
        "NodeMetrics",
        "NodeMetrics sets resource usage metrics of a node.",
        {
            "metadata": _OBJECT_META,
            "timestamp": _TIMESTAMP,
            "window": _WINDOW,
            "usage": _usage("The memory usage is the memory working set."),
        },
        ["timestamp", "window", "usage"],
    ),
    f"{PREFIX}NodeMetricsList": _list("NodeMetrics"),
    f"{PREFIX}PodMetrics": _kind(
        "PodMetrics",
        "PodMetrics sets resource usage metrics of a pod.",
        {
            "metadata": _OBJECT_META,
            "timestamp": _TIMESTAMP,
            "window": _WINDOW,
            "containers": {
                "description": "Metrics for all containers are collected within the same time window.",
                "items": {"$ref": f"#/$defs/{PREFIX}ContainerMetrics"},
                "type": "array",
                "x-kubernetes-list-type": "atomic",
            },
        },
        ["timestamp", "window", "containers"],
    ),
    f"{PREFIX}PodMetricsList": _list("PodMetrics"),
}
