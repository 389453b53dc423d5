"""Schemas for apps/v1 Deployment and ReplicaSet.

Field numbers from `k8s.io/api/apps/v1/generated.proto`. `replicas`, `revisionHistoryLimit` and
`progressDeadlineSeconds` are Go pointers, so an explicit 0 survives (`--replicas=0`).
"""

from __future__ import annotations

from apiserver.protobuf.fields import (
    boolean,
    int_or_string,
    integer,
    message,
    messages,
    optional_integer,
    optional_string,
    string,
    time,
)
from apiserver.protobuf.meta_messages import LABEL_SELECTOR, OBJECT_META
from apiserver.protobuf.pod_messages import POD_TEMPLATE_SPEC

ROLLING_UPDATE_DEPLOYMENT = {
    1: int_or_string("maxUnavailable"),
    2: int_or_string("maxSurge"),
}

DEPLOYMENT_STRATEGY = {
    1: string("type"),
    2: message("rollingUpdate", ROLLING_UPDATE_DEPLOYMENT),
}

DEPLOYMENT_SPEC = {
    1: optional_integer("replicas"),
    2: message("selector", LABEL_SELECTOR),
    3: message("template", POD_TEMPLATE_SPEC),
    4: message("strategy", DEPLOYMENT_STRATEGY),
    5: integer("minReadySeconds"),
    6: optional_integer("revisionHistoryLimit"),
    7: boolean("paused"),
    9: optional_integer("progressDeadlineSeconds"),
    10: optional_string("podReplacementPolicy"),
}

DEPLOYMENT_CONDITION = {
    1: string("type", keep_zero=True),
    2: string("status", keep_zero=True),
    6: time("lastUpdateTime"),
    7: time("lastTransitionTime"),
    4: string("reason"),
    5: string("message"),
}

DEPLOYMENT_STATUS = {
    1: integer("observedGeneration"),
    2: integer("replicas"),
    3: integer("updatedReplicas"),
    7: integer("readyReplicas"),
    4: integer("availableReplicas"),
    5: integer("unavailableReplicas"),
    9: optional_integer("terminatingReplicas"),
    6: messages("conditions", DEPLOYMENT_CONDITION),
    8: optional_integer("collisionCount"),
}

DEPLOYMENT = {
    1: message("metadata", OBJECT_META),
    2: message("spec", DEPLOYMENT_SPEC),
    3: message("status", DEPLOYMENT_STATUS),
}

REPLICA_SET_SPEC = {
    1: optional_integer("replicas"),
    4: integer("minReadySeconds"),
    2: message("selector", LABEL_SELECTOR),
    3: message("template", POD_TEMPLATE_SPEC),
}

REPLICA_SET_CONDITION = {
    1: string("type", keep_zero=True),
    2: string("status", keep_zero=True),
    3: time("lastTransitionTime"),
    4: string("reason"),
    5: string("message"),
}

REPLICA_SET_STATUS = {
    1: integer("replicas", keep_zero=True),
    2: integer("fullyLabeledReplicas"),
    4: integer("readyReplicas"),
    5: integer("availableReplicas"),
    7: optional_integer("terminatingReplicas"),
    3: integer("observedGeneration"),
    6: messages("conditions", REPLICA_SET_CONDITION),
}

REPLICA_SET = {
    1: message("metadata", OBJECT_META),
    2: message("spec", REPLICA_SET_SPEC),
    3: message("status", REPLICA_SET_STATUS),
}
