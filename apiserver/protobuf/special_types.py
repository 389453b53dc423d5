"""Kubernetes types whose protobuf and JSON forms differ, and which zeros JSON keeps.

    Time, MicroTime      {seconds, nanos}        ⇄ "2024-01-02T03:04:05Z" (MicroTime: microseconds)
    Duration             {duration: ns}          ⇄ "1m30s"
    Quantity             {string}                ⇄ "100m"
    IntOrString          {type, intVal, strVal}  ⇄ 80 | "http"
    FieldsV1, RawExtension, apiextensions JSON {raw bytes} ⇄ the JSON value they carry
    JSONSchemaProps{OrArray, OrBool, OrStringArray}  ⇄ a schema, or a list / bool / string list
    a message with one repeated `items` (ExtraValue, Verbs)  ⇄ a plain list

Go's marshaller writes every non-pointer scalar, even zero, while its JSON leaves omitempty
zeros out: a decoded zero number or false is kept only where JSON keeps it, for a field the
schema requires or one of the pointer fields in MEANINGFUL_ZEROS (`replicas: 0`, `runAsUser: 0`).
"""

from __future__ import annotations

import functools

from apiserver.protobuf.layouts import layout
from kubemini.api.schema.definitions import raw_definitions

META = "io.k8s.apimachinery.pkg.apis.meta.v1."
EXTENSIONS = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1."
TIME, MICRO_TIME, DURATION = META + "Time", META + "MicroTime", META + "Duration"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
RAW_JSON = (META + "FieldsV1", "io.k8s.apimachinery.pkg.runtime.RawExtension", EXTENSIONS + "JSON")
OR_ARRAY, OR_BOOL, OR_STRINGS = (
    EXTENSIONS + n for n in ("JSONSchemaPropsOrArray", "JSONSchemaPropsOrBool", "JSONSchemaPropsOrStringArray")
)


# Optional fields that are Go pointers (message.field): set to 0 or false they still mean something.
MEANINGFUL_ZEROS = frozenset(
    {
        "DeploymentSpec.replicas", "ReplicaSetSpec.replicas", "StatefulSetSpec.replicas",
        "ReplicationControllerSpec.replicas", "HorizontalPodAutoscalerSpec.minReplicas",
        "DeploymentSpec.revisionHistoryLimit", "DeploymentSpec.progressDeadlineSeconds",
        "DaemonSetSpec.revisionHistoryLimit", "StatefulSetSpec.revisionHistoryLimit",
        "RollingUpdateStatefulSetStrategy.partition", "JobSpec.parallelism", "JobSpec.completions",
        "JobSpec.backoffLimit", "JobSpec.backoffLimitPerIndex", "JobSpec.maxFailedIndexes",
        "JobSpec.activeDeadlineSeconds", "JobSpec.ttlSecondsAfterFinished", "JobSpec.suspend",
        "JobSpec.manualSelector", "CronJobSpec.startingDeadlineSeconds", "CronJobSpec.suspend",
        "CronJobSpec.successfulJobsHistoryLimit", "CronJobSpec.failedJobsHistoryLimit",
        "PodSpec.terminationGracePeriodSeconds", "PodSpec.activeDeadlineSeconds",
        "PodSpec.automountServiceAccountToken", "PodSpec.enableServiceLinks", "PodSpec.hostUsers",
        "PodSpec.setHostnameAsFQDN", "PodSpec.shareProcessNamespace", "PodSpec.priority",
        "Probe.terminationGracePeriodSeconds", "ServiceAccount.automountServiceAccountToken",
        "SecurityContext.runAsUser", "SecurityContext.runAsGroup", "SecurityContext.runAsNonRoot",
        "SecurityContext.privileged", "SecurityContext.allowPrivilegeEscalation",
        "SecurityContext.readOnlyRootFilesystem", "PodSecurityContext.runAsUser", "PodSecurityContext.runAsGroup",
        "PodSecurityContext.runAsNonRoot", "PodSecurityContext.fsGroup", "DeleteOptions.gracePeriodSeconds",
        "DeleteOptions.orphanDependents", "ConfigMap.immutable", "Secret.immutable",
        "ConfigMapKeySelector.optional", "SecretKeySelector.optional", "ConfigMapEnvSource.optional",
        "SecretEnvSource.optional", "ConfigMapVolumeSource.optional", "SecretVolumeSource.optional",
        "ConfigMapVolumeSource.defaultMode", "SecretVolumeSource.defaultMode", "ProjectedVolumeSource.defaultMode",
        "DownwardAPIVolumeSource.defaultMode", "KeyToPath.mode", "ServiceTokenProjection.expirationSeconds",
        "Toleration.tolerationSeconds", "ServiceSpec.allocateLoadBalancerNodePorts",
        "LeaseSpec.leaseDurationSeconds", "LeaseSpec.leaseTransitions", "EndpointConditions.ready",
        "EndpointConditions.serving", "EndpointConditions.terminating", "CSIDriverSpec.attachRequired",
        "CSIDriverSpec.podInfoOnMount", "CSIDriverSpec.storageCapacity", "CSIDriverSpec.requiresRepublish",
        "CSIDriverSpec.seLinuxMount", "StorageClass.allowVolumeExpansion",
        "CertificateSigningRequestSpec.expirationSeconds", "TokenRequestSpec.expirationSeconds",
        "ObjectMeta.deletionGracePeriodSeconds", "OwnerReference.controller", "OwnerReference.blockOwnerDeletion",
    }
)  # fmt: skip


def keeps_zero(definition: str, name: str) -> bool:
    return f"{definition.rsplit('.', 1)[-1]}.{name}" in MEANINGFUL_ZEROS or name in _required(definition)


@functools.cache
def _required(definition: str) -> frozenset[str]:
    return frozenset((raw_definitions().get(definition) or {}).get("required") or ())


@functools.cache
def list_wrapper(definition: str) -> bool:
    """A Go named slice (ExtraValue): a message of one repeated `items` on the wire, a plain list in JSON.
    A real object with one `items` field (DownwardAPIProjection) has its own schema definition."""
    fields = layout(definition)
    if len(fields) != 1 or next(iter(fields.values())).json_name != "items" or definition.endswith("List"):
        return False
    return (raw_definitions().get(definition) or {}).get("type", "array") == "array"


SPECIAL = frozenset({TIME, MICRO_TIME, DURATION, QUANTITY, INT_OR_STRING, *RAW_JSON, OR_ARRAY, OR_BOOL, OR_STRINGS})
