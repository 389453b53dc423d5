"""The shared vocabulary of the OpenAPI operations: query parameters (name → type, upstream's
description), which operations take which, the error answers every operation declares, and the
bodies of subresources that are not their kind."""

from __future__ import annotations

STATUS = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
DELETE_OPTIONS = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
PATCH = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
PATCH_TYPES = (
    "application/apply-patch+yaml",
    "application/json-patch+json",
    "application/merge-patch+json",
    "application/strategic-merge-patch+json",
)
STRATEGIC = "application/strategic-merge-patch+json"


def patch_types(record) -> tuple[str, ...]:
    """The patch bodies a kind takes: kubectl apply builds a strategic merge only when it is listed
    (custom resources have no patch strategies, so it sends a JSON merge patch to them)."""
    if getattr(record.strategy, "accepts_strategic_merge", True):
        return PATCH_TYPES
    return tuple(t for t in PATCH_TYPES if t != STRATEGIC)


ANSWER_TYPES = ("application/json", "application/yaml")
ERROR_ANSWERS = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "405": "MethodNotAllowed",
    "406": "NotAcceptable",
    "409": "Conflict",
    "410": "Gone",
    "413": "RequestEntityTooLarge",
    "415": "UnsupportedMediaType",
    "422": "Invalid",
    "429": "TooManyRequests",
    "503": "ServiceUnavailable",
    "504": "Timeout",
}
SUBRESOURCE_BODIES = {
    "scale": ("io.k8s.api.autoscaling.v1.Scale", {"group": "autoscaling", "kind": "Scale", "version": "v1"}),
    "binding": ("io.k8s.api.core.v1.Binding", {"group": "", "kind": "Binding", "version": "v1"}),
    "eviction": ("io.k8s.api.policy.v1.Eviction", {"group": "policy", "kind": "Eviction", "version": "v1"}),
}

QUERY_PARAMETERS = {
    "pretty": ("string", "If 'true', then the output is pretty printed."),
    "dryRun": ("string", "When present, indicates that modifications should not be persisted. Valid value: All"),
    "fieldManager": (
        "string",
        "fieldManager is a name associated with the actor or entity that is making these changes.",
    ),
    "fieldValidation": (
        "string",
        "fieldValidation instructs the server on how to handle objects in the request containing unknown or "
        "duplicate fields. Valid values are: Ignore, Warn (default), Strict.",
    ),
    "force": ("boolean", 'Force is going to "force" Apply requests.'),
    "allowWatchBookmarks": ("boolean", 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
    "continue": ("string", "The continue option should be set when retrieving more results from the server."),
    "fieldSelector": (
        "string",
        "A selector to restrict the list of returned objects by their fields. Defaults to everything.",
    ),
    "labelSelector": (
        "string",
        "A selector to restrict the list of returned objects by their labels. Defaults to everything.",
    ),
    "limit": ("integer", "limit is a maximum number of responses to return for a list call."),
    "resourceVersion": (
        "string",
        "resourceVersion sets a constraint on what resource versions a request may be served from.",
    ),
    "resourceVersionMatch": ("string", "resourceVersionMatch determines how resourceVersion is applied to list calls."),
    "sendInitialEvents": ("boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
    "timeoutSeconds": ("integer", "Timeout for the list/watch call."),
    "watch": (
        "boolean",
        "Watch for changes to the described resources and return them as a stream of add, update, and remove "
        "notifications.",
    ),
    "gracePeriodSeconds": ("integer", "The duration in seconds before the object should be deleted."),
    "orphanDependents": ("boolean", "Deprecated: please use the PropagationPolicy."),
    "propagationPolicy": (
        "string",
        "Whether and how garbage collection will be performed. Orphan, Background or Foreground.",
    ),
    "container": ("string", "The container for which to stream logs."),
    "follow": ("boolean", "Follow the log stream of the pod."),
    "previous": ("boolean", "Return previous terminated container logs."),
    "tailLines": ("integer", "If set, the number of lines from the end of the logs to show."),
    "timestamps": (
        "boolean",
        "If true, add an RFC3339 or RFC3339Nano timestamp at the beginning of every line of log output.",
    ),
    "sinceSeconds": ("integer", "A relative time in seconds before the current time from which to show logs."),
    "limitBytes": ("integer", "If set, the number of bytes to read from the server before terminating the log output."),
}
LIST_PARAMS = (
    "allowWatchBookmarks",
    "continue",
    "fieldSelector",
    "labelSelector",
    "limit",
    "resourceVersion",
    "resourceVersionMatch",
    "sendInitialEvents",
    "timeoutSeconds",
    "watch",
)
WRITE_PARAMS = ("dryRun", "fieldManager", "fieldValidation")
DELETE_PARAMS = ("dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy")
LOG_PARAMS = ("container", "follow", "limitBytes", "previous", "sinceSeconds", "tailLines", "timestamps")
