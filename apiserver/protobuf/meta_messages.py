"""Schemas for `k8s.io.apimachinery.pkg.apis.meta.v1` messages shared by every kind.

Field numbers from apimachinery `pkg/apis/meta/v1/generated.proto`; `keep_zero` follows the Go
struct tags in `types.go` (pointers and fields without `omitempty`).
"""

from __future__ import annotations

from apiserver.protobuf.fields import (
    integer,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    raw_json,
    string,
    string_map,
    strings,
    time,
)

OWNER_REFERENCE = {
    5: string("apiVersion", keep_zero=True),
    1: string("kind", keep_zero=True),
    3: string("name", keep_zero=True),
    4: string("uid", keep_zero=True),
    6: optional_boolean("controller"),
    7: optional_boolean("blockOwnerDeletion"),
}

MANAGED_FIELDS_ENTRY = {
    1: string("manager"),
    2: string("operation"),
    3: string("apiVersion"),
    4: time("time"),
    6: string("fieldsType"),
    7: raw_json("fieldsV1"),
    8: string("subresource"),
}

OBJECT_META = {
    1: string("name"),
    2: string("generateName"),
    3: string("namespace"),
    4: string("selfLink"),
    5: string("uid"),
    6: string("resourceVersion"),
    7: integer("generation"),
    8: time("creationTimestamp"),
    9: time("deletionTimestamp"),
    10: optional_integer("deletionGracePeriodSeconds"),
    11: string_map("labels"),
    12: string_map("annotations"),
    13: messages("ownerReferences", OWNER_REFERENCE),
    14: strings("finalizers"),
    17: messages("managedFields", MANAGED_FIELDS_ENTRY),
}

LABEL_SELECTOR_REQUIREMENT = {
    1: string("key", keep_zero=True),
    2: string("operator", keep_zero=True),
    3: strings("values"),
}

LABEL_SELECTOR = {
    1: string_map("matchLabels"),
    2: messages("matchExpressions", LABEL_SELECTOR_REQUIREMENT),
}

CONDITION = {
    1: string("type", keep_zero=True),
    2: string("status", keep_zero=True),
    3: integer("observedGeneration"),
    4: time("lastTransitionTime"),
    5: string("reason", keep_zero=True),
    6: string("message", keep_zero=True),
}

PRECONDITIONS = {
    1: optional_string("uid"),
    2: optional_string("resourceVersion"),
}

DELETE_OPTIONS = {
    1: optional_integer("gracePeriodSeconds"),
    2: message("preconditions", PRECONDITIONS),
    3: optional_boolean("orphanDependents"),
    4: optional_string("propagationPolicy"),
    5: strings("dryRun"),
    6: optional_boolean("ignoreStoreReadErrorWithClusterBreakingPotential"),
}
