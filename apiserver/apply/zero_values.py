"""The object a create is compared with: what Go's zero value of the kind serialises to.

Kubernetes records a create as an Update from the zero value of the Go type, so a
struct that is not a pointer (spec, status, a Deployment's template and strategy)
already exists before the create and is not marked as added (`.` in FieldsV1),
while everything else the create brings is. Structs that are pointers in Go are
absent from the zero value; this table names the ones that are not.
"""

from __future__ import annotations

from kubemini.api.schema.nodes import OBJECT, Schema

TOP_LEVEL_STRUCTS = ("metadata", "spec", "status")
# definition name (last segment) → its fields that are non-pointer structs in Go
NON_POINTER_STRUCTS: dict[str, tuple[str, ...]] = {
    "DeploymentSpec": ("template", "strategy"),
    "ReplicaSetSpec": ("template",),
    "DaemonSetSpec": ("template", "updateStrategy"),
    "StatefulSetSpec": ("template", "updateStrategy"),
    "JobSpec": ("template",),
    "CronJobSpec": ("jobTemplate",),
    "JobTemplateSpec": ("metadata", "spec"),
    "PodTemplateSpec": ("metadata", "spec"),
    "PodTemplate": ("template",),
    "ServiceStatus": ("loadBalancer",),
    "NodeStatus": ("daemonEndpoints", "nodeInfo"),
    "NodeDaemonEndpoints": ("kubeletEndpoint",),
    "PersistentVolumeClaimSpec": ("resources",),
    "HorizontalPodAutoscalerSpec": ("scaleTargetRef",),
    "RoleBinding": ("roleRef",),
    "ClusterRoleBinding": ("roleRef",),
}


def zero_object(schema: Schema) -> dict:
    return {
        name: _zero_struct(schema.fields[name])
        for name in TOP_LEVEL_STRUCTS
        if name in schema.fields and schema.fields[name].kind == OBJECT
    } | _zero_fields(schema)


def _zero_fields(schema: Schema) -> dict:
    names = NON_POINTER_STRUCTS.get(schema.name.rsplit(".", 1)[-1], ())
    return {name: _zero_struct(schema.fields[name]) for name in names if name in schema.fields}


def _zero_struct(schema: Schema) -> dict:
    return _zero_fields(schema) if schema.kind == OBJECT else {}
