"""Schemas for the non-workload core/v1 kinds kubectl's generators create.

Namespace, ConfigMap, Secret, ServiceAccount and Service, with the parts only they use.
Field numbers from `k8s.io/api/core/v1/generated.proto`.
"""

from __future__ import annotations

from apiserver.protobuf.container_messages import LOCAL_OBJECT_REFERENCE
from apiserver.protobuf.fields import (
    boolean,
    bytes_map,
    int_or_string,
    integer,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    string,
    string_map,
    strings,
    time,
)
from apiserver.protobuf.meta_messages import CONDITION, OBJECT_META

NAMESPACE_CONDITION = {
    1: string("type", keep_zero=True),
    2: string("status", keep_zero=True),
    4: time("lastTransitionTime"),
    5: string("reason"),
    6: string("message"),
}

NAMESPACE = {
    1: message("metadata", OBJECT_META),
    2: message("spec", {1: strings("finalizers")}),
    3: message("status", {1: string("phase"), 2: messages("conditions", NAMESPACE_CONDITION)}),
}

CONFIG_MAP = {
    1: message("metadata", OBJECT_META),
    4: optional_boolean("immutable"),
    2: string_map("data"),
    3: bytes_map("binaryData"),
}

# Secret.data is map<string, bytes>: JSON shows the values base64-encoded, as Kubernetes does.
SECRET = {
    1: message("metadata", OBJECT_META),
    5: optional_boolean("immutable"),
    2: bytes_map("data"),
    4: string_map("stringData"),
    3: string("type"),
}

OBJECT_REFERENCE = {
    1: string("kind"),
    2: string("namespace"),
    3: string("name"),
    4: string("uid"),
    5: string("apiVersion"),
    6: string("resourceVersion"),
    7: string("fieldPath"),
}

SERVICE_ACCOUNT = {
    1: message("metadata", OBJECT_META),
    2: messages("secrets", OBJECT_REFERENCE),
    3: messages("imagePullSecrets", LOCAL_OBJECT_REFERENCE),
    4: optional_boolean("automountServiceAccountToken"),
}

SERVICE_PORT = {
    1: string("name"),
    2: string("protocol"),
    6: optional_string("appProtocol"),
    3: integer("port", keep_zero=True),
    4: int_or_string("targetPort"),
    5: integer("nodePort"),
}

SESSION_AFFINITY_CONFIG = {1: message("clientIP", {1: optional_integer("timeoutSeconds")})}

SERVICE_SPEC = {
    1: messages("ports", SERVICE_PORT),
    2: string_map("selector"),
    3: string("clusterIP"),
    18: strings("clusterIPs"),
    4: string("type"),
    5: strings("externalIPs"),
    7: string("sessionAffinity"),
    8: string("loadBalancerIP"),
    9: strings("loadBalancerSourceRanges"),
    10: string("externalName"),
    11: string("externalTrafficPolicy"),
    12: integer("healthCheckNodePort"),
    13: boolean("publishNotReadyAddresses"),
    14: message("sessionAffinityConfig", SESSION_AFFINITY_CONFIG),
    19: strings("ipFamilies"),
    17: optional_string("ipFamilyPolicy"),
    20: optional_boolean("allocateLoadBalancerNodePorts"),
    21: optional_string("loadBalancerClass"),
    22: optional_string("internalTrafficPolicy"),
    23: optional_string("trafficDistribution"),
}

PORT_STATUS = {
    1: integer("port", keep_zero=True),
    2: string("protocol", keep_zero=True),
    3: optional_string("error"),
}

LOAD_BALANCER_INGRESS = {
    1: string("ip"),
    2: string("hostname"),
    3: optional_string("ipMode"),
    4: messages("ports", PORT_STATUS),
}

SERVICE_STATUS = {
    1: message("loadBalancer", {1: messages("ingress", LOAD_BALANCER_INGRESS)}),
    2: messages("conditions", CONDITION),
}

SERVICE = {
    1: message("metadata", OBJECT_META),
    2: message("spec", SERVICE_SPEC),
    3: message("status", SERVICE_STATUS),
}
