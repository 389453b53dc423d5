"""Pod spec defaults (Kubernetes' core/v1 SetDefaults_PodSpec and friends), for Pods and every pod template.

`default_pod_spec(spec)` fills what the upstream defaulters fill wherever a
PodSpec appears; `pod_only=True` adds the rules that apply to Pod objects only
(enableServiceLinks, requests copied from limits, hostPort on hostNetwork, the
tolerations DefaultTolerationSeconds admission adds).
"""

from __future__ import annotations

DEFAULT_TOLERATION_SECONDS = 300
DEFAULT_VOLUME_MODE = 420  # 0644
DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600
_PROBE_DEFAULTS = {"timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
_MODE_SOURCES = ("secret", "configMap", "downwardAPI", "projected")
VOLUME_SOURCES = (
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
)
NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"


def default_pull_policy(image: str) -> str:
    """`Always` for `:latest` or untagged images, else `IfNotPresent` (digests count as tagged)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def _default_http_get(action: dict | None) -> None:
    if action:
        action.setdefault("path", "/")
        action.setdefault("scheme", "HTTP")


def _default_probe(probe: dict | None) -> None:
    if not probe:
        return
    for key, value in _PROBE_DEFAULTS.items():
        if not probe.get(key):
            probe[key] = value
    _default_http_get(probe.get("httpGet"))
    if probe.get("grpc") is not None:
        probe["grpc"].setdefault("service", "")


def _default_field_ref(env_source: dict | None) -> None:
    field_ref = (env_source or {}).get("fieldRef")
    if field_ref is not None:
        field_ref.setdefault("apiVersion", "v1")


def _default_container(container: dict, *, pod_only: bool, host_network: bool) -> None:
    if isinstance(container.get("image"), str):
        container.setdefault("imagePullPolicy", default_pull_policy(container["image"]))
    container.setdefault("terminationMessagePath", "/dev/termination-log")
    container.setdefault("terminationMessagePolicy", "File")
    resources = container.setdefault("resources", {})
    for port in container.get("ports") or []:
        port.setdefault("protocol", "TCP")
        if pod_only and host_network and not port.get("hostPort"):
            port["hostPort"] = port.get("containerPort")
    for probe_name in ("livenessProbe", "readinessProbe", "startupProbe"):
        _default_probe(container.get(probe_name))
    for hook in (
        (container.get("lifecycle") or {}).get("postStart"),
        (container.get("lifecycle") or {}).get("preStop"),
    ):
        _default_http_get((hook or {}).get("httpGet"))
    for variable in container.get("env") or []:
        _default_field_ref(variable.get("valueFrom"))
    if pod_only and resources.get("limits"):
        requests = resources.setdefault("requests", {})
        for name, value in resources["limits"].items():
            requests.setdefault(name, value)


def _default_volume(volume: dict) -> None:
    if not any(volume.get(source) is not None for source in VOLUME_SOURCES):
        volume["emptyDir"] = {}
    for source in _MODE_SOURCES:
        if volume.get(source) is not None:
            volume[source].setdefault("defaultMode", DEFAULT_VOLUME_MODE)
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        _default_field_ref(item)
    for projection in (volume.get("projected") or {}).get("sources") or []:
        token = projection.get("serviceAccountToken")
        if token is not None:
            token.setdefault("expirationSeconds", DEFAULT_TOKEN_EXPIRATION_SECONDS)
        for item in (projection.get("downwardAPI") or {}).get("items") or []:
            _default_field_ref(item)
    if volume.get("hostPath") is not None:
        volume["hostPath"].setdefault("type", "")
    claim = ((volume.get("ephemeral") or {}).get("volumeClaimTemplate") or {}).get("spec")
    if claim is not None:
        claim.setdefault("volumeMode", "Filesystem")


def default_tolerations(spec: dict) -> None:
    """The not-ready/unreachable NoExecute tolerations (300 s) Kubernetes' DefaultTolerationSeconds adds."""
    tolerations = spec.setdefault("tolerations", [])
    for key in (NOT_READY_TAINT, UNREACHABLE_TAINT):
        covered = any(
            t.get("key") in (key, None, "")
            and t.get("effect") in ("NoExecute", None, "")
            and (t.get("key") or t.get("operator") == "Exists")
            for t in tolerations
        )
        if not covered:
            tolerations.append(
                {
                    "key": key,
                    "operator": "Exists",
                    "effect": "NoExecute",
                    "tolerationSeconds": DEFAULT_TOLERATION_SECONDS,
                }
            )


def default_pod_spec(spec: dict, *, pod_only: bool = False) -> None:
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("schedulerName", "default-scheduler")
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("securityContext", {})
    host_network = bool(spec.get("hostNetwork"))
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(key) or []:
            _default_container(container, pod_only=pod_only and key != "ephemeralContainers", host_network=host_network)
    for volume in spec.get("volumes") or []:
        _default_volume(volume)
    if pod_only:
        spec.setdefault("enableServiceLinks", True)
        default_tolerations(spec)


def qos_class(spec: dict) -> str:
    """Guaranteed when every container's cpu and memory limits equal its requests; BestEffort with none."""
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    resources = [c.get("resources") or {} for c in containers]
    if not any((r.get("requests") or r.get("limits")) for r in resources):
        return "BestEffort"
    for entry in resources:
        limits, requests = entry.get("limits") or {}, entry.get("requests") or {}
        for name in ("cpu", "memory"):
            if name not in limits or requests.get(name, limits[name]) != limits[name]:
                return "Burstable"
    return "Guaranteed"
