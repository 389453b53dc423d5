"""Per-kind rules for the kinds kubemini acts on."""

from __future__ import annotations

import re
from collections.abc import Callable

from kubemini.api.field_errors import FieldErrors
from kubemini.api.selectors import SelectorError, labels_match, selector_from_label_selector
from kubemini.api.validation.metadata import validate_labels
from kubemini.api.validation.pod_spec import validate_pod_spec

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
SESSION_AFFINITIES = ("None", "ClientIP")
STRATEGY_TYPES = ("RollingUpdate", "Recreate")
_PERCENT = re.compile(r"^[0-9]+%$")
_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")


def _non_negative_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def validate_pod(obj: dict, errors: FieldErrors) -> None:
    validate_pod_spec(obj.get("spec"), "spec", errors)


def _validate_selector_and_template(obj: dict, errors: FieldErrors) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errors.required("spec")
        return
    selector = spec.get("selector")
    template = spec.get("template")
    if not selector:
        errors.required("spec.selector")
    else:
        try:
            requirements = selector_from_label_selector(selector)
        except (SelectorError, AttributeError, TypeError) as exc:
            errors.invalid("spec.selector", selector, str(exc))
            requirements = ()
        if selector and not requirements:
            errors.invalid("spec.selector", selector, "empty selector is invalid for deployment")
        template_labels = (template or {}).get("metadata", {}).get("labels") if isinstance(template, dict) else None
        if requirements and not labels_match(
            requirements, template_labels if isinstance(template_labels, dict) else {}
        ):
            errors.invalid(
                "spec.template.metadata.labels", template_labels or {}, "`selector` does not match template `labels`"
            )
    if not isinstance(template, dict):
        errors.required("spec.template")
        return
    validate_labels((template.get("metadata") or {}).get("labels"), "spec.template.metadata.labels", errors)
    validate_pod_spec(template.get("spec"), "spec.template.spec", errors)
    restart_policy = (template.get("spec") or {}).get("restartPolicy", "Always")
    if restart_policy != "Always":
        errors.not_supported("spec.template.spec.restartPolicy", restart_policy, ("Always",))
    replicas = spec.get("replicas")
    if replicas is not None and not _non_negative_int(replicas):
        errors.invalid("spec.replicas", replicas, "must be greater than or equal to 0")
    min_ready = spec.get("minReadySeconds")
    if min_ready is not None and not _non_negative_int(min_ready):
        errors.invalid("spec.minReadySeconds", min_ready, "must be greater than or equal to 0")


def validate_replicaset(obj: dict, errors: FieldErrors) -> None:
    _validate_selector_and_template(obj, errors)


def _int_or_percent(value: object) -> bool:
    return _non_negative_int(value) or (isinstance(value, str) and bool(_PERCENT.match(value)))


def validate_deployment(obj: dict, errors: FieldErrors) -> None:
    _validate_selector_and_template(obj, errors)
    spec = obj.get("spec") if isinstance(obj.get("spec"), dict) else {}
    strategy = spec.get("strategy") or {}
    kind = strategy.get("type", "RollingUpdate") if isinstance(strategy, dict) else None
    if kind not in STRATEGY_TYPES:
        errors.not_supported("spec.strategy.type", kind, STRATEGY_TYPES)
        return
    rolling = strategy.get("rollingUpdate")
    if kind == "Recreate" and rolling:
        errors.forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'")
    if kind == "RollingUpdate" and isinstance(rolling, dict):
        surge, unavailable = rolling.get("maxSurge", "25%"), rolling.get("maxUnavailable", "25%")
        for key, value in (("maxSurge", surge), ("maxUnavailable", unavailable)):
            if not _int_or_percent(value):
                errors.invalid(
                    f"spec.strategy.rollingUpdate.{key}", value, "must be an integer or percentage (e.g '5%')"
                )
        if surge in (0, "0%") and unavailable in (0, "0%"):
            errors.invalid(
                "spec.strategy.rollingUpdate.maxUnavailable", unavailable, "may not be 0 when `maxSurge` is 0"
            )
    for key in ("revisionHistoryLimit", "progressDeadlineSeconds"):
        value = spec.get(key)
        if value is not None and not _non_negative_int(value):
            errors.invalid(f"spec.{key}", value, "must be greater than or equal to 0")


def validate_service(obj: dict, errors: FieldErrors) -> None:
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        errors.required("spec")
        return
    service_type = spec.get("type", "ClusterIP")
    if service_type not in SERVICE_TYPES:
        errors.not_supported("spec.type", service_type, SERVICE_TYPES)
    if spec.get("sessionAffinity", "None") not in SESSION_AFFINITIES:
        errors.not_supported("spec.sessionAffinity", spec.get("sessionAffinity"), SESSION_AFFINITIES)
    ports = spec.get("ports") or []
    if not ports and service_type != "ExternalName" and spec.get("clusterIP") != "None":
        errors.required("spec.ports")
    if not isinstance(ports, list):
        errors.invalid("spec.ports", ports, "must be a list")
        return
    seen_names: set[str] = set()
    for index, port in enumerate(ports):
        where = f"spec.ports[{index}]"
        if not isinstance(port, dict):
            errors.invalid(where, port, "must be an object")
            continue
        value = port.get("port")
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65535:
            errors.invalid(f"{where}.port", value, "must be between 1 and 65535, inclusive")
        name = port.get("name")
        if len(ports) > 1 and not name:
            errors.required(f"{where}.name")
        elif name in seen_names:
            errors.duplicate(f"{where}.name", name)
        elif name:
            seen_names.add(name)
        node_port = port.get("nodePort")
        if node_port not in (None, 0) and service_type == "ClusterIP":
            errors.forbidden(f"{where}.nodePort", "may not be used when `type` is 'ClusterIP'")
    if spec.get("selector") is not None:
        validate_labels(spec.get("selector"), "spec.selector", errors)


def _validate_string_map(values: object, path: str, errors: FieldErrors) -> None:
    if values is None:
        return
    if not isinstance(values, dict):
        errors.invalid(path, values, "must be a map of strings")
        return
    for key, value in values.items():
        if not _CONFIG_KEY.match(key) or len(key) > 253:
            errors.invalid(path, key, "a valid config key must consist of alphanumeric characters, '-', '_' or '.'")
        if not isinstance(value, str):
            errors.invalid(f"{path}[{key}]", value, "must be a string")


def validate_configmap(obj: dict, errors: FieldErrors) -> None:
    _validate_string_map(obj.get("data"), "data", errors)
    _validate_string_map(obj.get("binaryData"), "binaryData", errors)


def validate_secret(obj: dict, errors: FieldErrors) -> None:
    _validate_string_map(obj.get("data"), "data", errors)
    _validate_string_map(obj.get("stringData"), "stringData", errors)


def validate_lease(obj: dict, errors: FieldErrors) -> None:
    spec = obj.get("spec") or {}
    if not isinstance(spec, dict):
        errors.invalid("spec", spec, "must be an object")
        return
    duration = spec.get("leaseDurationSeconds")
    if duration is not None and (not isinstance(duration, int) or isinstance(duration, bool) or duration <= 0):
        errors.invalid("spec.leaseDurationSeconds", duration, "must be greater than 0")


def validate_event(obj: dict, errors: FieldErrors) -> None:
    if not isinstance(obj.get("involvedObject"), dict):
        errors.required("involvedObject")


VALIDATORS: dict[str, Callable[[dict, FieldErrors], None]] = {
    "Pod": validate_pod,
    "ReplicaSet": validate_replicaset,
    "Deployment": validate_deployment,
    "Service": validate_service,
    "ConfigMap": validate_configmap,
    "Secret": validate_secret,
    "Lease": validate_lease,
    "Event": validate_event,
}
