"""Schemas for `Pod`, `PodSpec`, `PodTemplateSpec` and `PodStatus` (k8s.io.api.core.v1).

PodTemplateSpec is what Deployments and ReplicaSets embed, so these tables carry most of what a
workload generator such as `kubectl create deployment` sends.
Field numbers from `k8s.io/api/core/v1/generated.proto`.
"""

from __future__ import annotations

from apiserver.protobuf.container_messages import (
    CONTAINER,
    EPHEMERAL_CONTAINER,
    LOCAL_OBJECT_REFERENCE,
    PROFILE,
    RESOURCE_REQUIREMENTS,
    SE_LINUX_OPTIONS,
    VOLUME_MOUNT,
)
from apiserver.protobuf.fields import (
    boolean,
    integer,
    integers,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    quantity_map,
    string,
    string_map,
    strings,
    time,
)
from apiserver.protobuf.meta_messages import OBJECT_META
from apiserver.protobuf.scheduling_messages import AFFINITY, TOLERATION, TOPOLOGY_SPREAD_CONSTRAINT
from apiserver.protobuf.volume_messages import VOLUME

SYSCTL = {
    1: string("name", keep_zero=True),
    2: string("value", keep_zero=True),
}

POD_SECURITY_CONTEXT = {
    1: message("seLinuxOptions", SE_LINUX_OPTIONS),
    2: optional_integer("runAsUser"),
    6: optional_integer("runAsGroup"),
    3: optional_boolean("runAsNonRoot"),
    4: integers("supplementalGroups"),
    12: optional_string("supplementalGroupsPolicy"),
    5: optional_integer("fsGroup"),
    7: messages("sysctls", SYSCTL),
    9: optional_string("fsGroupChangePolicy"),
    10: message("seccompProfile", PROFILE),
    11: message("appArmorProfile", PROFILE),
    13: optional_string("seLinuxChangePolicy"),
}

HOST_ALIAS = {
    1: string("ip", keep_zero=True),
    2: strings("hostnames"),
}

POD_DNS_CONFIG_OPTION = {
    1: string("name"),
    2: optional_string("value"),
}

POD_DNS_CONFIG = {
    1: strings("nameservers"),
    2: strings("searches"),
    3: messages("options", POD_DNS_CONFIG_OPTION),
}

POD_READINESS_GATE = {1: string("conditionType", keep_zero=True)}

NAME_ONLY = {1: string("name", keep_zero=True)}  # PodOS, PodSchedulingGate

POD_RESOURCE_CLAIM = {
    1: string("name", keep_zero=True),
    3: optional_string("resourceClaimName"),
    4: optional_string("resourceClaimTemplateName"),
}

POD_SPEC = {
    1: messages("volumes", VOLUME),
    20: messages("initContainers", CONTAINER),
    2: messages("containers", CONTAINER),
    34: messages("ephemeralContainers", EPHEMERAL_CONTAINER),
    3: string("restartPolicy"),
    4: optional_integer("terminationGracePeriodSeconds"),
    5: optional_integer("activeDeadlineSeconds"),
    6: string("dnsPolicy"),
    7: string_map("nodeSelector"),
    8: string("serviceAccountName"),
    9: string("serviceAccount"),
    21: optional_boolean("automountServiceAccountToken"),
    10: string("nodeName"),
    11: boolean("hostNetwork"),
    12: boolean("hostPID"),
    13: boolean("hostIPC"),
    27: optional_boolean("shareProcessNamespace"),
    14: message("securityContext", POD_SECURITY_CONTEXT),
    15: messages("imagePullSecrets", LOCAL_OBJECT_REFERENCE),
    16: string("hostname"),
    17: string("subdomain"),
    18: message("affinity", AFFINITY),
    19: string("schedulerName"),
    22: messages("tolerations", TOLERATION),
    23: messages("hostAliases", HOST_ALIAS),
    24: string("priorityClassName"),
    25: optional_integer("priority"),
    26: message("dnsConfig", POD_DNS_CONFIG),
    28: messages("readinessGates", POD_READINESS_GATE),
    29: optional_string("runtimeClassName"),
    30: optional_boolean("enableServiceLinks"),
    31: optional_string("preemptionPolicy"),
    32: quantity_map("overhead"),
    33: messages("topologySpreadConstraints", TOPOLOGY_SPREAD_CONSTRAINT),
    35: optional_boolean("setHostnameAsFQDN"),
    36: message("os", NAME_ONLY),
    37: optional_boolean("hostUsers"),
    38: messages("schedulingGates", NAME_ONLY),
    39: messages("resourceClaims", POD_RESOURCE_CLAIM),
    40: message("resources", RESOURCE_REQUIREMENTS),
    41: optional_string("hostnameOverride"),
}

POD_TEMPLATE_SPEC = {
    1: message("metadata", OBJECT_META),
    2: message("spec", POD_SPEC),
}

CONTAINER_STATE_WAITING = {
    1: string("reason"),
    2: string("message"),
}

CONTAINER_STATE_RUNNING = {1: time("startedAt")}

CONTAINER_STATE_TERMINATED = {
    1: integer("exitCode", keep_zero=True),
    2: integer("signal"),
    3: string("reason"),
    4: string("message"),
    5: time("startedAt"),
    6: time("finishedAt"),
    7: string("containerID"),
}

CONTAINER_STATE = {
    1: message("waiting", CONTAINER_STATE_WAITING),
    2: message("running", CONTAINER_STATE_RUNNING),
    3: message("terminated", CONTAINER_STATE_TERMINATED),
}

CONTAINER_STATUS = {
    1: string("name", keep_zero=True),
    2: message("state", CONTAINER_STATE),
    3: message("lastState", CONTAINER_STATE),
    4: boolean("ready", keep_zero=True),
    5: integer("restartCount", keep_zero=True),
    6: string("image", keep_zero=True),
    7: string("imageID", keep_zero=True),
    8: string("containerID"),
    9: optional_boolean("started"),
    10: quantity_map("allocatedResources"),
    11: message("resources", RESOURCE_REQUIREMENTS),
    12: messages("volumeMounts", VOLUME_MOUNT),
    15: optional_string("stopSignal"),
}

POD_CONDITION = {
    1: string("type", keep_zero=True),
    7: integer("observedGeneration"),
    2: string("status", keep_zero=True),
    3: time("lastProbeTime"),
    4: time("lastTransitionTime"),
    5: string("reason"),
    6: string("message"),
}

IP_ADDRESS = {1: string("ip", keep_zero=True)}  # PodIP, HostIP

POD_STATUS = {
    17: integer("observedGeneration"),
    1: string("phase"),
    2: messages("conditions", POD_CONDITION),
    3: string("message"),
    4: string("reason"),
    11: string("nominatedNodeName"),
    5: string("hostIP"),
    16: messages("hostIPs", IP_ADDRESS),
    6: string("podIP"),
    12: messages("podIPs", IP_ADDRESS),
    7: time("startTime"),
    10: messages("initContainerStatuses", CONTAINER_STATUS),
    8: messages("containerStatuses", CONTAINER_STATUS),
    9: string("qosClass"),
    13: messages("ephemeralContainerStatuses", CONTAINER_STATUS),
    14: string("resize"),
}

POD = {
    1: message("metadata", OBJECT_META),
    2: message("spec", POD_SPEC),
    3: message("status", POD_STATUS),
}
