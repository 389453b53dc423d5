"""PodSpec rules, shared by Pods and the templates of ReplicaSets and Deployments."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.quantity import is_valid_quantity

RESTART_POLICIES = ("Always", "OnFailure", "Never")
DNS_POLICIES = ("ClusterFirst", "ClusterFirstWithHostNet", "Default", "None")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
PROTOCOLS = ("TCP", "UDP", "SCTP")
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")


def _valid_port(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535


def _validate_ports(ports: object, path: str, errors: FieldErrors) -> None:
    if ports is None:
        return
    if not isinstance(ports, list):
        errors.invalid(path, ports, "must be a list")
        return
    for index, port in enumerate(ports):
        where = f"{path}[{index}]"
        if not isinstance(port, dict):
            errors.invalid(where, port, "must be an object")
            continue
        if "containerPort" not in port:
            errors.required(f"{where}.containerPort")
        elif not _valid_port(port["containerPort"]):
            errors.invalid(f"{where}.containerPort", port["containerPort"], "must be between 1 and 65535, inclusive")
        if "hostPort" in port and port["hostPort"] not in (0, None) and not _valid_port(port["hostPort"]):
            errors.invalid(f"{where}.hostPort", port["hostPort"], "must be between 1 and 65535, inclusive")
        if port.get("protocol", "TCP") not in PROTOCOLS:
            errors.not_supported(f"{where}.protocol", port.get("protocol"), PROTOCOLS)


def _validate_resources(resources: object, path: str, errors: FieldErrors) -> None:
    if resources is None:
        return
    if not isinstance(resources, dict):
        errors.invalid(path, resources, "must be an object")
        return
    for section in ("limits", "requests"):
        values = resources.get(section)
        if values is None:
            continue
        if not isinstance(values, dict):
            errors.invalid(f"{path}.{section}", values, "must be a map of resource names to quantities")
            continue
        for name, quantity in values.items():
            if not is_valid_quantity(quantity):
                errors.invalid(f"{path}.{section}.{name}", quantity, "must be a valid quantity")


def _validate_probe(probe: object, path: str, errors: FieldErrors) -> None:
    if probe is None:
        return
    if not isinstance(probe, dict):
        errors.invalid(path, probe, "must be an object")
        return
    handlers = [h for h in ("exec", "httpGet", "tcpSocket", "grpc") if h in probe]
    if len(handlers) != 1:
        errors.required(f"{path}") if not handlers else errors.forbidden(
            path, "may not specify more than 1 handler type"
        )
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"):
        value = probe.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
            errors.invalid(f"{path}.{key}", value, "must be greater than or equal to 0")
    http_get = probe.get("httpGet")
    if isinstance(http_get, dict) and "port" not in http_get:
        errors.required(f"{path}.httpGet.port")
    tcp = probe.get("tcpSocket")
    if isinstance(tcp, dict) and "port" not in tcp:
        errors.required(f"{path}.tcpSocket.port")
    exec_action = probe.get("exec")
    if isinstance(exec_action, dict) and not exec_action.get("command"):
        errors.required(f"{path}.exec.command")


def _validate_env(env: object, path: str, errors: FieldErrors) -> None:
    if env is None:
        return
    if not isinstance(env, list):
        errors.invalid(path, env, "must be a list")
        return
    for index, variable in enumerate(env):
        where = f"{path}[{index}]"
        if not isinstance(variable, dict) or not variable.get("name"):
            errors.required(f"{where}.name")
            continue
        if problem := names.env_var_name_problem(str(variable["name"])):
            errors.invalid(f"{where}.name", variable["name"], problem)
        if "value" in variable and "valueFrom" in variable:
            errors.invalid(f"{where}.valueFrom", "", "may not be specified when `value` is not empty")


def _validate_container(container: object, path: str, errors: FieldErrors, seen: set[str]) -> None:
    if not isinstance(container, dict):
        errors.invalid(path, container, "must be an object")
        return
    name = container.get("name")
    if not name:
        errors.required(f"{path}.name")
    elif not isinstance(name, str) or names.dns1123_label_problem(name):
        errors.invalid(f"{path}.name", name, "must be a lowercase RFC 1123 label")
    elif name in seen:
        errors.duplicate(f"{path}.name", name)
    else:
        seen.add(name)
    image = container.get("image")
    if not image or not isinstance(image, str) or not image.strip():
        errors.required(f"{path}.image")
    policy = container.get("imagePullPolicy")
    if policy is not None and policy not in PULL_POLICIES:
        errors.not_supported(f"{path}.imagePullPolicy", policy, PULL_POLICIES)
    for key in ("command", "args"):
        value = container.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            errors.invalid(f"{path}.{key}", value, "must be a list of strings")
    _validate_ports(container.get("ports"), f"{path}.ports", errors)
    _validate_resources(container.get("resources"), f"{path}.resources", errors)
    _validate_env(container.get("env"), f"{path}.env", errors)
    for probe_name in _PROBES:
        _validate_probe(container.get(probe_name), f"{path}.{probe_name}", errors)


def validate_pod_spec(spec: object, path: str, errors: FieldErrors) -> None:
    if not isinstance(spec, dict):
        errors.required(path)
        return
    containers = spec.get("containers")
    seen: set[str] = set()
    if not containers:
        errors.required(f"{path}.containers")
    elif not isinstance(containers, list):
        errors.invalid(f"{path}.containers", containers, "must be a list")
    else:
        for index, container in enumerate(containers):
            _validate_container(container, f"{path}.containers[{index}]", errors, seen)
    init_containers = spec.get("initContainers") or []
    if not isinstance(init_containers, list):
        errors.invalid(f"{path}.initContainers", init_containers, "must be a list")
    else:
        for index, container in enumerate(init_containers):
            _validate_container(container, f"{path}.initContainers[{index}]", errors, seen)
    policy = spec.get("restartPolicy")
    if policy is not None and policy not in RESTART_POLICIES:
        errors.not_supported(f"{path}.restartPolicy", policy, RESTART_POLICIES)
    dns_policy = spec.get("dnsPolicy")
    if dns_policy is not None and dns_policy not in DNS_POLICIES:
        errors.not_supported(f"{path}.dnsPolicy", dns_policy, DNS_POLICIES)
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool) or grace < 0):
        errors.invalid(f"{path}.terminationGracePeriodSeconds", grace, "must be greater than or equal to 0")
    node_name = spec.get("nodeName")
    if node_name and (not isinstance(node_name, str) or names.dns1123_subdomain_problem(node_name)):
        errors.invalid(f"{path}.nodeName", node_name, "must be a lowercase RFC 1123 subdomain")
