"""Schema for batch/v1 Job, the body `kubectl create job` (also `--from=cronjob/x`) sends as protobuf.

Field numbers from `k8s.io/api/batch/v1/generated.proto`. Counts and limits are Go pointers, so an
explicit 0 survives (`backoffLimit: 0`, `parallelism: 0`).
"""

from __future__ import annotations

from apiserver.protobuf.fields import (
    integers,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    string,
)
from apiserver.protobuf.meta_messages import LABEL_SELECTOR, OBJECT_META
from apiserver.protobuf.pod_messages import POD_TEMPLATE_SPEC

ON_EXIT_CODES = {1: optional_string("containerName"), 2: string("operator"), 3: integers("values")}
ON_POD_CONDITIONS = {1: string("type"), 2: string("status")}
POD_FAILURE_POLICY_RULE = {
    1: string("action"),
    2: message("onExitCodes", ON_EXIT_CODES),
    3: messages("onPodConditions", ON_POD_CONDITIONS),
}
SUCCESS_POLICY_RULE = {1: optional_string("succeededIndexes"), 2: optional_integer("succeededCount")}

JOB_SPEC = {
    1: optional_integer("parallelism"),
    2: optional_integer("completions"),
    3: optional_integer("activeDeadlineSeconds"),
    11: message("podFailurePolicy", {1: messages("rules", POD_FAILURE_POLICY_RULE)}),
    16: message("successPolicy", {1: messages("rules", SUCCESS_POLICY_RULE)}),
    7: optional_integer("backoffLimit"),
    12: optional_integer("backoffLimitPerIndex"),
    13: optional_integer("maxFailedIndexes"),
    4: message("selector", LABEL_SELECTOR),
    5: optional_boolean("manualSelector"),
    6: message("template", POD_TEMPLATE_SPEC),
    8: optional_integer("ttlSecondsAfterFinished"),
    9: optional_string("completionMode"),
    10: optional_boolean("suspend"),
    14: optional_string("podReplacementPolicy"),
    15: optional_string("managedBy"),
}

JOB = {
    1: message("metadata", OBJECT_META),
    2: message("spec", JOB_SPEC),
}
