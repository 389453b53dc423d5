"""Schemas for the scheduling parts of a PodSpec: affinity, tolerations, topology spread.

The scheduler acts on node selectors and tolerations; the rest is carried through unchanged.
Field numbers from `k8s.io/api/core/v1/generated.proto`.
"""

from __future__ import annotations

from apiserver.protobuf.fields import (
    integer,
    message,
    messages,
    optional_integer,
    optional_string,
    string,
    strings,
)
from apiserver.protobuf.meta_messages import LABEL_SELECTOR

NODE_SELECTOR_REQUIREMENT = {
    1: string("key", keep_zero=True),
    2: string("operator", keep_zero=True),
    3: strings("values"),
}

NODE_SELECTOR_TERM = {
    1: messages("matchExpressions", NODE_SELECTOR_REQUIREMENT),
    2: messages("matchFields", NODE_SELECTOR_REQUIREMENT),
}

NODE_SELECTOR = {1: messages("nodeSelectorTerms", NODE_SELECTOR_TERM)}

PREFERRED_SCHEDULING_TERM = {
    1: integer("weight", keep_zero=True),
    2: message("preference", NODE_SELECTOR_TERM),
}

NODE_AFFINITY = {
    1: message("requiredDuringSchedulingIgnoredDuringExecution", NODE_SELECTOR),
    2: messages("preferredDuringSchedulingIgnoredDuringExecution", PREFERRED_SCHEDULING_TERM),
}

POD_AFFINITY_TERM = {
    1: message("labelSelector", LABEL_SELECTOR),
    2: strings("namespaces"),
    3: string("topologyKey", keep_zero=True),
    4: message("namespaceSelector", LABEL_SELECTOR),
    5: strings("matchLabelKeys"),
    6: strings("mismatchLabelKeys"),
}

WEIGHTED_POD_AFFINITY_TERM = {
    1: integer("weight", keep_zero=True),
    2: message("podAffinityTerm", POD_AFFINITY_TERM),
}

POD_AFFINITY = {  # PodAffinity and PodAntiAffinity share this shape
    1: messages("requiredDuringSchedulingIgnoredDuringExecution", POD_AFFINITY_TERM),
    2: messages("preferredDuringSchedulingIgnoredDuringExecution", WEIGHTED_POD_AFFINITY_TERM),
}

AFFINITY = {
    1: message("nodeAffinity", NODE_AFFINITY),
    2: message("podAffinity", POD_AFFINITY),
    3: message("podAntiAffinity", POD_AFFINITY),
}

TOLERATION = {
    1: string("key"),
    2: string("operator"),
    3: string("value"),
    4: string("effect"),
    5: optional_integer("tolerationSeconds"),
}

TOPOLOGY_SPREAD_CONSTRAINT = {
    1: integer("maxSkew", keep_zero=True),
    2: string("topologyKey", keep_zero=True),
    3: string("whenUnsatisfiable", keep_zero=True),
    4: message("labelSelector", LABEL_SELECTOR),
    5: optional_integer("minDomains"),
    6: optional_string("nodeAffinityPolicy"),
    7: optional_string("nodeTaintsPolicy"),
    8: strings("matchLabelKeys"),
}
