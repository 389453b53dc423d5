"""PodSpec rules, shared by Pods and every pod template (types are already checked by typed decoding)."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.defaults import VOLUME_SOURCES
from kubemini.api.field_errors import FieldErrors
from kubemini.api.quantity import parse_quantity
from kubemini.api.validation.common import check_non_negative, check_one_of, check_port, check_protocol

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
TERMINATION_MESSAGE_POLICIES = ("File", "FallbackToLogsOnError")
TOLERATION_OPERATORS = ("Exists", "Equal")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
PREEMPTION_POLICIES = ("PreemptLowerPriority", "Never")
MOUNT_PROPAGATIONS = ("None", "HostToContainer", "Bidirectional")
HOST_PATH_TYPES = ("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice")
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_MAX_MODE = 0o777


def _check_resources(resources: dict | None, path: str, errors: FieldErrors) -> None:
    limits, requests = (resources or {}).get("limits") or {}, (resources or {}).get("requests") or {}
    for section, values in (("limits", limits), ("requests", requests)):
        for name, quantity in values.items():
            if problem := names.qualified_name_problem(name):
                errors.invalid(f"{path}.{section}[{name}]", name, problem)
            elif parse_quantity(quantity) < 0:
                errors.invalid(f"{path}.{section}[{name}]", quantity, "must be greater than or equal to 0")
    for name, request in requests.items():
        if name in limits and parse_quantity(request) > parse_quantity(limits[name]):
            errors.invalid(f"{path}.requests", request, f"must be less than or equal to {name} limit of {limits[name]}")


def _check_probe(probe: dict | None, path: str, errors: FieldErrors, *, liveness: bool) -> None:
    if probe is None:
        return
    handlers = [h for h in PROBE_HANDLERS if probe.get(h) is not None]
    if not handlers:
        errors.required(path)
    elif len(handlers) > 1:
        errors.forbidden(f"{path}.{handlers[1]}", "may not specify more than 1 handler type")
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        check_non_negative(probe.get(key), f"{path}.{key}", errors)
    if liveness and probe.get("successThreshold", 1) != 1:
        errors.invalid(f"{path}.successThreshold", probe["successThreshold"], "must be 1")
    http_get = probe.get("httpGet")
    if http_get is not None:
        _check_named_port(http_get.get("port"), f"{path}.httpGet.port", errors)
        check_one_of(http_get.get("scheme"), f"{path}.httpGet.scheme", ("HTTP", "HTTPS"), errors)
    tcp = probe.get("tcpSocket")
    if tcp is not None:
        _check_named_port(tcp.get("port"), f"{path}.tcpSocket.port", errors)
    if probe.get("exec") is not None and not probe["exec"].get("command"):
        errors.required(f"{path}.exec.command")


def _check_named_port(port: object, path: str, errors: FieldErrors) -> None:
    if port is None:
        errors.required(path)
    elif isinstance(port, int):
        check_port(port, path, errors)
    elif problem := names.port_name_problem(port):  # type: ignore[arg-type]
        errors.invalid(path, port, problem)


def _check_env(env: list | None, path: str, errors: FieldErrors) -> None:
    for index, variable in enumerate(env or []):
        where = f"{path}[{index}]"
        name = variable.get("name")
        if not name:
            errors.required(f"{where}.name")
        elif problem := names.env_var_name_problem(name):
            errors.invalid(f"{where}.name", name, problem)
        source = variable.get("valueFrom")
        if source is not None:
            if variable.get("value"):
                errors.invalid(f"{where}.valueFrom", "", "may not be specified when `value` is not empty")
            kinds = [
                k
                for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef")
                if source.get(k)
            ]
            if len(kinds) != 1:
                errors.invalid(
                    f"{where}.valueFrom",
                    "",
                    "may not have more than one field specified at a time"
                    if kinds
                    else "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
                )


def _check_container(container: dict, path: str, errors: FieldErrors, seen: set[str], volumes: set[str]) -> None:
    name = container.get("name")
    if not name:
        errors.required(f"{path}.name")
    elif problem := names.dns1123_label_problem(name):
        errors.invalid(f"{path}.name", name, problem)
    elif name in seen:
        errors.duplicate(f"{path}.name", name)
    else:
        seen.add(name)
    image = container.get("image")
    if not image or not image.strip():
        errors.required(f"{path}.image")
    check_one_of(container.get("imagePullPolicy"), f"{path}.imagePullPolicy", PULL_POLICIES, errors)
    check_one_of(
        container.get("terminationMessagePolicy"),
        f"{path}.terminationMessagePolicy",
        TERMINATION_MESSAGE_POLICIES,
        errors,
    )
    port_names: set[str] = set()
    for index, port in enumerate(container.get("ports") or []):
        where = f"{path}.ports[{index}]"
        check_port(port.get("containerPort"), f"{where}.containerPort", errors)
        if port.get("hostPort"):
            check_port(port["hostPort"], f"{where}.hostPort", errors)
        check_protocol(port.get("protocol", "TCP"), f"{where}.protocol", errors)
        if port.get("name"):
            if problem := names.port_name_problem(port["name"]):
                errors.invalid(f"{where}.name", port["name"], problem)
            elif port["name"] in port_names:
                errors.duplicate(f"{where}.name", port["name"])
            port_names.add(port["name"])
    _check_resources(container.get("resources"), f"{path}.resources", errors)
    _check_env(container.get("env"), f"{path}.env", errors)
    for probe_name in _PROBES:
        _check_probe(container.get(probe_name), f"{path}.{probe_name}", errors, liveness=probe_name != "readinessProbe")
    mount_paths: set[str] = set()
    for index, mount in enumerate(container.get("volumeMounts") or []):
        where = f"{path}.volumeMounts[{index}]"
        if not mount.get("name"):
            errors.required(f"{where}.name")
        elif mount["name"] not in volumes:
            errors.not_found(f"{where}.name", mount["name"])
        mount_path = mount.get("mountPath")
        if not mount_path:
            errors.required(f"{where}.mountPath")
        elif mount_path in mount_paths:
            errors.invalid(f"{where}.mountPath", mount_path, "must be unique")
        mount_paths.add(mount_path or "")
        check_one_of(mount.get("mountPropagation"), f"{where}.mountPropagation", MOUNT_PROPAGATIONS, errors)
        if mount.get("subPath") and (mount["subPath"].startswith("/") or ".." in mount["subPath"].split("/")):
            errors.invalid(f"{where}.subPath", mount["subPath"], "must be a relative path without '..'")
    security = container.get("securityContext") or {}
    for key in ("runAsUser", "runAsGroup"):
        check_non_negative(security.get(key), f"{path}.securityContext.{key}", errors)
    if security.get("privileged") and security.get("allowPrivilegeEscalation") is False:
        errors.invalid(
            f"{path}.securityContext",
            security,
            "cannot set `allowPrivilegeEscalation` to false and `privileged` to true",
        )


def _check_volumes(volumes: list | None, path: str, errors: FieldErrors) -> set[str]:
    seen: set[str] = set()
    for index, volume in enumerate(volumes or []):
        where = f"{path}[{index}]"
        name = volume.get("name")
        if not name:
            errors.required(f"{where}.name")
        elif problem := names.dns1123_label_problem(name):
            errors.invalid(f"{where}.name", name, problem)
        elif name in seen:
            errors.duplicate(f"{where}.name", name)
        seen.add(name or "")
        sources = [s for s in VOLUME_SOURCES if volume.get(s) is not None]
        if not sources:
            errors.required(where)
        elif len(sources) > 1:
            errors.forbidden(f"{where}.{sources[1]}", "may not specify more than 1 volume type")
        for source in ("secret", "configMap", "downwardAPI", "projected"):
            mode = (volume.get(source) or {}).get("defaultMode")
            if mode is not None and not 0 <= mode <= _MAX_MODE:
                errors.invalid(
                    f"{where}.{source}.defaultMode", mode, "must be a number between 0 and 0777 (octal), both inclusive"
                )
        if volume.get("configMap") is not None and not volume["configMap"].get("name"):
            errors.required(f"{where}.configMap.name")
        if volume.get("secret") is not None and not volume["secret"].get("secretName"):
            errors.required(f"{where}.secret.secretName")
        host_path = volume.get("hostPath")
        if host_path is not None:
            if not host_path.get("path"):
                errors.required(f"{where}.hostPath.path")
            check_one_of(host_path.get("type"), f"{where}.hostPath.type", HOST_PATH_TYPES, errors)
        claim = volume.get("persistentVolumeClaim")
        if claim is not None and not claim.get("claimName"):
            errors.required(f"{where}.persistentVolumeClaim.claimName")
        empty_dir = volume.get("emptyDir") or {}
        if empty_dir.get("medium") not in (None, "", "Memory", "HugePages"):
            errors.not_supported(f"{where}.emptyDir.medium", empty_dir["medium"], ("", "Memory", "HugePages"))
    return seen


def _check_tolerations(tolerations: list | None, path: str, errors: FieldErrors) -> None:
    for index, toleration in enumerate(tolerations or []):
        where = f"{path}[{index}]"
        operator = toleration.get("operator") or "Equal"
        check_one_of(operator, f"{where}.operator", TOLERATION_OPERATORS, errors)
        if not toleration.get("key") and operator != "Exists":
            errors.invalid(
                f"{where}.operator",
                operator,
                'operator must be Exists when `key` is empty, which means "match all values and all keys"',
            )
        if operator == "Exists" and toleration.get("value"):
            errors.invalid(f"{where}.operator", toleration, "value must be empty when `operator` is 'Exists'")
        if toleration.get("effect"):
            check_one_of(toleration["effect"], f"{where}.effect", TAINT_EFFECTS, errors)
        if toleration.get("tolerationSeconds") is not None and toleration.get("effect") != "NoExecute":
            errors.invalid(
                f"{where}.effect",
                toleration.get("effect"),
                "effect must be 'NoExecute' when `tolerationSeconds` is set",
            )
        if toleration.get("key") and (problem := names.qualified_name_problem(toleration["key"])):
            errors.invalid(f"{where}.key", toleration["key"], problem)


def validate_pod_spec(
    spec: dict | None, path: str, errors: FieldErrors, *, claim_templates: frozenset[str] = frozenset()
) -> None:
    """`claim_templates`: a StatefulSet's volumeClaimTemplates names, volumes its pods will have."""
    if spec is None:
        errors.required(path)
        return
    volumes = _check_volumes(spec.get("volumes"), f"{path}.volumes", errors) | claim_templates
    containers = spec.get("containers") or []
    seen: set[str] = set()
    if not containers:
        errors.required(f"{path}.containers")
    for index, container in enumerate(containers):
        _check_container(container, f"{path}.containers[{index}]", errors, seen, volumes)
    for index, container in enumerate(spec.get("initContainers") or []):
        where = f"{path}.initContainers[{index}]"
        _check_container(container, where, errors, seen, volumes)
        check_one_of(container.get("restartPolicy"), f"{where}.restartPolicy", ("Always",), errors)
        if container.get("restartPolicy") != "Always":
            for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                if container.get(probe):
                    errors.forbidden(
                        f"{where}.{probe}", "may not be set for init containers without restartPolicy=Always"
                    )
    check_one_of(spec.get("restartPolicy"), f"{path}.restartPolicy", RESTART_POLICIES, errors)
    check_one_of(spec.get("dnsPolicy"), f"{path}.dnsPolicy", DNS_POLICIES, errors)
    if spec.get("dnsPolicy") == "None" and not spec.get("dnsConfig"):
        errors.required(f"{path}.dnsConfig")
    check_non_negative(spec.get("terminationGracePeriodSeconds"), f"{path}.terminationGracePeriodSeconds", errors)
    if spec.get("activeDeadlineSeconds") is not None and spec["activeDeadlineSeconds"] <= 0:
        errors.invalid(
            f"{path}.activeDeadlineSeconds",
            spec["activeDeadlineSeconds"],
            "must be between 1 and 2147483647, inclusive",
        )
    check_one_of(spec.get("preemptionPolicy"), f"{path}.preemptionPolicy", PREEMPTION_POLICIES, errors)
    node_name = spec.get("nodeName")
    if node_name and (problem := names.dns1123_subdomain_problem(node_name)):
        errors.invalid(f"{path}.nodeName", node_name, problem)
    for key, value in (spec.get("nodeSelector") or {}).items():
        if problem := names.qualified_name_problem(key):
            errors.invalid(f"{path}.nodeSelector", key, problem)
        elif problem := names.label_value_problem(value):
            errors.invalid(f"{path}.nodeSelector", value, problem)
    _check_tolerations(spec.get("tolerations"), f"{path}.tolerations", errors)
    if spec.get("serviceAccountName") and (problem := names.dns1123_subdomain_problem(spec["serviceAccountName"])):
        errors.invalid(f"{path}.serviceAccountName", spec["serviceAccountName"], problem)
    if spec.get("hostname") and (problem := names.dns1123_label_problem(spec["hostname"])):
        errors.invalid(f"{path}.hostname", spec["hostname"], problem)
    security = spec.get("securityContext") or {}
    for key in ("runAsUser", "runAsGroup", "fsGroup"):
        check_non_negative(security.get(key), f"{path}.securityContext.{key}", errors)
