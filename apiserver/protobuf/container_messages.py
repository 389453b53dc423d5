"""Schemas for `k8s.io.api.core.v1.Container` and everything hanging off it.

Field numbers from `k8s.io/api/core/v1/generated.proto`; `keep_zero` follows the Go struct tags
(pointers such as `*int64 runAsUser`, and required fields such as `containerPort`).
"""

from __future__ import annotations

from apiserver.protobuf.fields import (
    boolean,
    int_or_string,
    integer,
    integers,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    quantity,
    quantity_map,
    string,
    strings,
)

LOCAL_OBJECT_REFERENCE = {1: string("name")}

CONTAINER_PORT = {
    1: string("name"),
    2: integer("hostPort"),
    3: integer("containerPort", keep_zero=True),
    4: string("protocol"),
    5: string("hostIP"),
}

OBJECT_FIELD_SELECTOR = {
    1: string("apiVersion"),
    2: string("fieldPath", keep_zero=True),
}

RESOURCE_FIELD_SELECTOR = {
    1: string("containerName"),
    2: string("resource", keep_zero=True),
    3: quantity("divisor"),
}

# The key selectors embed LocalObjectReference inline, so its `name` sits beside `key`.
CONFIG_MAP_KEY_SELECTOR = {
    1: message("localObjectReference", LOCAL_OBJECT_REFERENCE, inline=True),
    2: string("key", keep_zero=True),
    3: optional_boolean("optional"),
}

SECRET_KEY_SELECTOR = CONFIG_MAP_KEY_SELECTOR

FILE_KEY_SELECTOR = {
    1: string("volumeName", keep_zero=True),
    2: string("path", keep_zero=True),
    3: string("key", keep_zero=True),
    4: optional_boolean("optional"),
}

ENV_VAR_SOURCE = {
    1: message("fieldRef", OBJECT_FIELD_SELECTOR),
    2: message("resourceFieldRef", RESOURCE_FIELD_SELECTOR),
    3: message("configMapKeyRef", CONFIG_MAP_KEY_SELECTOR),
    4: message("secretKeyRef", SECRET_KEY_SELECTOR),
    5: message("fileKeyRef", FILE_KEY_SELECTOR),
}

ENV_VAR = {
    1: string("name", keep_zero=True),
    2: string("value"),
    3: message("valueFrom", ENV_VAR_SOURCE),
}

ENV_SOURCE_REFERENCE = {  # ConfigMapEnvSource and SecretEnvSource share this shape
    1: message("localObjectReference", LOCAL_OBJECT_REFERENCE, inline=True),
    2: optional_boolean("optional"),
}

ENV_FROM_SOURCE = {
    1: string("prefix"),
    2: message("configMapRef", ENV_SOURCE_REFERENCE),
    3: message("secretRef", ENV_SOURCE_REFERENCE),
}

RESOURCE_CLAIM = {
    1: string("name", keep_zero=True),
    2: string("request"),
}

RESOURCE_REQUIREMENTS = {
    1: quantity_map("limits"),
    2: quantity_map("requests"),
    3: messages("claims", RESOURCE_CLAIM),
}

CONTAINER_RESIZE_POLICY = {
    1: string("resourceName", keep_zero=True),
    2: string("restartPolicy", keep_zero=True),
}

CONTAINER_RESTART_RULE_ON_EXIT_CODES = {
    1: string("operator"),
    2: integers("values"),
}

CONTAINER_RESTART_RULE = {
    1: string("action"),
    2: message("exitCodes", CONTAINER_RESTART_RULE_ON_EXIT_CODES),
}

VOLUME_MOUNT = {
    1: string("name", keep_zero=True),
    2: boolean("readOnly"),
    7: optional_string("recursiveReadOnly"),
    3: string("mountPath", keep_zero=True),
    4: string("subPath"),
    5: optional_string("mountPropagation"),
    6: string("subPathExpr"),
}

VOLUME_DEVICE = {
    1: string("name", keep_zero=True),
    2: string("devicePath", keep_zero=True),
}

EXEC_ACTION = {1: strings("command")}

HTTP_HEADER = {
    1: string("name", keep_zero=True),
    2: string("value", keep_zero=True),
}

HTTP_GET_ACTION = {
    1: string("path"),
    2: int_or_string("port"),
    3: string("host"),
    4: string("scheme"),
    5: messages("httpHeaders", HTTP_HEADER),
}

TCP_SOCKET_ACTION = {
    1: int_or_string("port"),
    2: string("host"),
}

GRPC_ACTION = {
    1: integer("port", keep_zero=True),
    2: optional_string("service"),
}

SLEEP_ACTION = {1: integer("seconds", keep_zero=True)}

PROBE_HANDLER = {
    1: message("exec", EXEC_ACTION),
    2: message("httpGet", HTTP_GET_ACTION),
    3: message("tcpSocket", TCP_SOCKET_ACTION),
    4: message("grpc", GRPC_ACTION),
}

PROBE = {
    1: message("handler", PROBE_HANDLER, inline=True),
    2: integer("initialDelaySeconds"),
    3: integer("timeoutSeconds"),
    4: integer("periodSeconds"),
    5: integer("successThreshold"),
    6: integer("failureThreshold"),
    7: optional_integer("terminationGracePeriodSeconds"),
}

LIFECYCLE_HANDLER = {
    1: message("exec", EXEC_ACTION),
    2: message("httpGet", HTTP_GET_ACTION),
    3: message("tcpSocket", TCP_SOCKET_ACTION),
    4: message("sleep", SLEEP_ACTION),
}

LIFECYCLE = {
    1: message("postStart", LIFECYCLE_HANDLER),
    2: message("preStop", LIFECYCLE_HANDLER),
    3: optional_string("stopSignal"),
}

CAPABILITIES = {
    1: strings("add"),
    2: strings("drop"),
}

SE_LINUX_OPTIONS = {
    1: string("user"),
    2: string("role"),
    3: string("type"),
    4: string("level"),
}

PROFILE = {  # SeccompProfile and AppArmorProfile share this shape
    1: string("type", keep_zero=True),
    2: optional_string("localhostProfile"),
}

SECURITY_CONTEXT = {
    1: message("capabilities", CAPABILITIES),
    2: optional_boolean("privileged"),
    3: message("seLinuxOptions", SE_LINUX_OPTIONS),
    4: optional_integer("runAsUser"),
    8: optional_integer("runAsGroup"),
    5: optional_boolean("runAsNonRoot"),
    6: optional_boolean("readOnlyRootFilesystem"),
    7: optional_boolean("allowPrivilegeEscalation"),
    9: optional_string("procMount"),
    11: message("seccompProfile", PROFILE),
    12: message("appArmorProfile", PROFILE),
}

CONTAINER = {
    1: string("name", keep_zero=True),
    2: string("image"),
    3: strings("command"),
    4: strings("args"),
    5: string("workingDir"),
    6: messages("ports", CONTAINER_PORT),
    19: messages("envFrom", ENV_FROM_SOURCE),
    7: messages("env", ENV_VAR),
    8: message("resources", RESOURCE_REQUIREMENTS),
    23: messages("resizePolicy", CONTAINER_RESIZE_POLICY),
    24: optional_string("restartPolicy"),
    25: messages("restartPolicyRules", CONTAINER_RESTART_RULE),
    9: messages("volumeMounts", VOLUME_MOUNT),
    21: messages("volumeDevices", VOLUME_DEVICE),
    10: message("livenessProbe", PROBE),
    11: message("readinessProbe", PROBE),
    22: message("startupProbe", PROBE),
    12: message("lifecycle", LIFECYCLE),
    13: string("terminationMessagePath"),
    20: string("terminationMessagePolicy"),
    14: string("imagePullPolicy"),
    15: message("securityContext", SECURITY_CONTEXT),
    16: boolean("stdin"),
    17: boolean("stdinOnce"),
    18: boolean("tty"),
}

# EphemeralContainerCommon repeats Container's field numbers and is embedded inline.
EPHEMERAL_CONTAINER = {
    1: message("ephemeralContainerCommon", CONTAINER, inline=True),
    2: string("targetContainerName"),
}
