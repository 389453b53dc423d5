"""Schemas for `k8s.io.api.core.v1.Volume` and the volume sources kubemini's kubelet can mount.

Cloud and legacy in-tree sources (gcePersistentDisk, rbd, ...) are left out on purpose: an
unknown field number is skipped by the decoder, and those volumes cannot run here anyway.
Field numbers from `k8s.io/api/core/v1/generated.proto`.
"""

from __future__ import annotations

from apiserver.protobuf.container_messages import (
    LOCAL_OBJECT_REFERENCE,
    OBJECT_FIELD_SELECTOR,
    RESOURCE_FIELD_SELECTOR,
)
from apiserver.protobuf.fields import (
    boolean,
    message,
    messages,
    optional_boolean,
    optional_integer,
    optional_string,
    quantity,
    string,
)

KEY_TO_PATH = {
    1: string("key", keep_zero=True),
    2: string("path", keep_zero=True),
    3: optional_integer("mode"),
}

HOST_PATH_VOLUME_SOURCE = {
    1: string("path", keep_zero=True),
    2: optional_string("type"),
}

EMPTY_DIR_VOLUME_SOURCE = {
    1: string("medium"),
    2: quantity("sizeLimit"),
}

SECRET_VOLUME_SOURCE = {
    1: string("secretName"),
    2: messages("items", KEY_TO_PATH),
    3: optional_integer("defaultMode"),
    4: optional_boolean("optional"),
}

CONFIG_MAP_VOLUME_SOURCE = {
    1: message("localObjectReference", LOCAL_OBJECT_REFERENCE, inline=True),
    2: messages("items", KEY_TO_PATH),
    3: optional_integer("defaultMode"),
    4: optional_boolean("optional"),
}

NFS_VOLUME_SOURCE = {
    1: string("server", keep_zero=True),
    2: string("path", keep_zero=True),
    3: boolean("readOnly"),
}

PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE = {
    1: string("claimName", keep_zero=True),
    2: boolean("readOnly"),
}

DOWNWARD_API_VOLUME_FILE = {
    1: string("path", keep_zero=True),
    2: message("fieldRef", OBJECT_FIELD_SELECTOR),
    3: message("resourceFieldRef", RESOURCE_FIELD_SELECTOR),
    4: optional_integer("mode"),
}

DOWNWARD_API_VOLUME_SOURCE = {
    1: messages("items", DOWNWARD_API_VOLUME_FILE),
    2: optional_integer("defaultMode"),
}

DOWNWARD_API_PROJECTION = {1: messages("items", DOWNWARD_API_VOLUME_FILE)}

KEY_PROJECTION = {  # SecretProjection and ConfigMapProjection share this shape
    1: message("localObjectReference", LOCAL_OBJECT_REFERENCE, inline=True),
    2: messages("items", KEY_TO_PATH),
    4: optional_boolean("optional"),
}

SERVICE_ACCOUNT_TOKEN_PROJECTION = {
    1: string("audience"),
    2: optional_integer("expirationSeconds"),
    3: string("path", keep_zero=True),
}

VOLUME_PROJECTION = {
    1: message("secret", KEY_PROJECTION),
    2: message("downwardAPI", DOWNWARD_API_PROJECTION),
    3: message("configMap", KEY_PROJECTION),
    4: message("serviceAccountToken", SERVICE_ACCOUNT_TOKEN_PROJECTION),
}

PROJECTED_VOLUME_SOURCE = {
    1: messages("sources", VOLUME_PROJECTION),
    2: optional_integer("defaultMode"),
}

IMAGE_VOLUME_SOURCE = {
    1: string("reference"),
    2: string("pullPolicy"),
}

VOLUME_SOURCE = {
    1: message("hostPath", HOST_PATH_VOLUME_SOURCE),
    2: message("emptyDir", EMPTY_DIR_VOLUME_SOURCE),
    6: message("secret", SECRET_VOLUME_SOURCE),
    7: message("nfs", NFS_VOLUME_SOURCE),
    10: message("persistentVolumeClaim", PERSISTENT_VOLUME_CLAIM_VOLUME_SOURCE),
    16: message("downwardAPI", DOWNWARD_API_VOLUME_SOURCE),
    19: message("configMap", CONFIG_MAP_VOLUME_SOURCE),
    26: message("projected", PROJECTED_VOLUME_SOURCE),
    30: message("image", IMAGE_VOLUME_SOURCE),
}

# Volume embeds VolumeSource inline: `{"name": "data", "emptyDir": {}}`.
VOLUME = {
    1: string("name", keep_zero=True),
    2: message("volumeSource", VOLUME_SOURCE, inline=True),
}
