"""Services and Endpoints."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_port, check_protocol, immutable
from kubemini.api.validation.metadata import validate_labels

SERVICE_TYPES = ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName")
SESSION_AFFINITIES = ("None", "ClientIP")
TRAFFIC_POLICIES = ("Cluster", "Local")
IP_FAMILY_POLICIES = ("SingleStack", "PreferDualStack", "RequireDualStack")
DEFAULT_CLIENT_IP_TIMEOUT_SECONDS = 10800
ENDPOINTS_SHOWN = 3


class ServiceStrategy(Strategy):
    returns_deleted_object = True
    field_labels = ("spec.clusterIP", "spec.type")
    columns = (
        NAME,
        Column("Type", description="The type of the service."),
        Column("Cluster-IP", description="The cluster IP of the service."),
        Column("External-IP", description="The external IPs of the service."),
        Column("Port(s)", description="The ports of the service."),
        AGE,
        Column("Selector", priority=1, description="The label selector of the service."),
    )

    def name_problem(self, name: str) -> str | None:
        return names.dns1035_label_problem(name)

    def initial_status(self, obj: dict) -> dict:
        return {"loadBalancer": {}}

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["sessionAffinity"] == "ClientIP":
            client_ip = spec.setdefault("sessionAffinityConfig", {}).setdefault("clientIP", {})
            client_ip.setdefault("timeoutSeconds", DEFAULT_CLIENT_IP_TIMEOUT_SECONDS)
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            if "port" in port and spec["type"] != "ExternalName":
                port.setdefault("targetPort", port["port"])
        if spec["type"] in ("NodePort", "LoadBalancer"):
            spec.setdefault("externalTrafficPolicy", "Cluster")
        if spec["type"] == "LoadBalancer":
            spec.setdefault("allocateLoadBalancerNodePorts", True)
        if spec["type"] != "ExternalName":
            spec.setdefault("internalTrafficPolicy", "Cluster")
        obj.setdefault("status", {}).setdefault("loadBalancer", {})

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = obj.get("spec") or {}
        service_type = spec.get("type", "ClusterIP")
        if service_type not in SERVICE_TYPES:
            errors.not_supported("spec.type", service_type, SERVICE_TYPES)
        if spec.get("sessionAffinity", "None") not in SESSION_AFFINITIES:
            errors.not_supported("spec.sessionAffinity", spec.get("sessionAffinity"), SESSION_AFFINITIES)
        timeout = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get("timeoutSeconds")
        if timeout is not None and not 0 < timeout <= 86400:
            errors.invalid(
                "spec.sessionAffinityConfig.clientIP.timeoutSeconds",
                timeout,
                "must be greater than 0 and less than 86400",
            )
        for key in ("externalTrafficPolicy", "internalTrafficPolicy"):
            if spec.get(key) is not None and spec[key] not in TRAFFIC_POLICIES:
                errors.not_supported(f"spec.{key}", spec[key], TRAFFIC_POLICIES)
        if spec.get("ipFamilyPolicy") is not None and spec["ipFamilyPolicy"] not in IP_FAMILY_POLICIES:
            errors.not_supported("spec.ipFamilyPolicy", spec["ipFamilyPolicy"], IP_FAMILY_POLICIES)
        if service_type == "ExternalName":
            external = spec.get("externalName")
            if not external:
                errors.required("spec.externalName")
            elif problem := names.dns1123_subdomain_problem(external.rstrip(".")):
                errors.invalid("spec.externalName", external, problem)
        ports = spec.get("ports") or []
        if not ports and service_type != "ExternalName" and spec.get("clusterIP") != "None":
            errors.required("spec.ports")
        seen_names: set[str] = set()
        seen_ports: set[tuple] = set()
        for index, port in enumerate(ports):
            where = f"spec.ports[{index}]"
            check_port(port.get("port"), f"{where}.port", errors)
            check_protocol(port.get("protocol", "TCP"), f"{where}.protocol", errors)
            name = port.get("name")
            if len(ports) > 1 and not name:
                errors.required(f"{where}.name")
            elif name and name in seen_names:
                errors.duplicate(f"{where}.name", name)
            elif name:
                seen_names.add(name)
                if problem := names.dns1123_label_problem(name):
                    errors.invalid(f"{where}.name", name, problem)
            key = (port.get("port"), port.get("protocol", "TCP"))
            if key in seen_ports:
                errors.duplicate(where, {"port": key[0], "protocol": key[1]})
            seen_ports.add(key)
            node_port = port.get("nodePort")
            if node_port not in (None, 0) and service_type == "ClusterIP":
                errors.forbidden(f"{where}.nodePort", "may not be used when `type` is 'ClusterIP'")
            target = port.get("targetPort")
            if isinstance(target, int) and not 0 < target <= 65535:
                errors.invalid(f"{where}.targetPort", target, "must be between 1 and 65535, inclusive")
            elif isinstance(target, str) and (problem := names.port_name_problem(target)):
                errors.invalid(f"{where}.targetPort", target, problem)
        if spec.get("selector") is not None:
            validate_labels(spec.get("selector"), "spec.selector", errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        old_spec, new_spec = old.get("spec") or {}, new.get("spec") or {}
        old_ip, new_ip = old_spec.get("clusterIP"), new_spec.get("clusterIP")
        if old_ip and new_ip and old_ip != new_ip and new_spec.get("type") != "ExternalName":
            immutable("spec.clusterIP", new_ip, errors)

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        spec = printing.spec(obj)
        values["spec.clusterIP"] = str(spec.get("clusterIP") or "")
        values["spec.type"] = str(spec.get("type") or "")
        return values

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        return [
            printing.name(obj),
            spec.get("type", "ClusterIP"),
            (spec.get("clusterIPs") or [spec.get("clusterIP")])[0] or printing.NONE,
            _external_ips(obj),
            _ports(spec),
            printing.age(obj),
            printing.map_selector(spec.get("selector")),
        ]


def _external_ips(obj: dict) -> str:
    spec = printing.spec(obj)
    service_type = spec.get("type", "ClusterIP")
    external = list(spec.get("externalIPs") or [])
    if service_type == "ExternalName":
        return spec.get("externalName") or printing.NONE
    if service_type == "LoadBalancer":
        ingress = (printing.status(obj).get("loadBalancer") or {}).get("ingress") or []
        found = sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        return printing.joined(found + external, "<pending>")
    if service_type in ("ClusterIP", "NodePort"):
        return printing.joined(external)
    return printing.UNKNOWN


def _ports(spec: dict) -> str:
    shown = []
    for port in spec.get("ports") or []:
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        shown.append(f"{port.get('port')}{node_port}/{port.get('protocol', 'TCP')}")
    return ",".join(shown) or printing.NONE


class EndpointsStrategy(Strategy):
    columns = (NAME, Column("Endpoints", description="Endpoints of the service"), AGE)

    def default(self, obj: dict) -> None:
        for subset in obj.get("subsets") or []:
            for port in subset.get("ports") or []:
                port.setdefault("protocol", "TCP")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        for index, subset in enumerate(obj.get("subsets") or []):
            for kind in ("addresses", "notReadyAddresses"):
                for position, address in enumerate(subset.get(kind) or []):
                    if not names.is_ip(address.get("ip") or ""):
                        where = f"subsets[{index}].{kind}[{position}].ip"
                        errors.invalid(where, address.get("ip"), "must be a valid IP address")
            for position, port in enumerate(subset.get("ports") or []):
                check_port(port.get("port"), f"subsets[{index}].ports[{position}].port", errors)

    def cells(self, obj: dict) -> list:
        subsets = obj.get("subsets") or []
        if not subsets:
            return [printing.name(obj), printing.NONE, printing.age(obj)]
        shown = []
        for subset in subsets:
            ports = subset.get("ports") or []
            addresses = [str(a.get("ip")) for a in subset.get("addresses") or []]
            if not ports:
                shown.extend(addresses)
            for port in ports:
                shown.extend(_host_port(ip, port.get("port")) for ip in addresses)
        text = ",".join(shown[:ENDPOINTS_SHOWN])
        if len(shown) > ENDPOINTS_SHOWN:
            text += f" + {len(shown) - ENDPOINTS_SHOWN} more..."
        return [printing.name(obj), text, printing.age(obj)]


def _host_port(ip: str, port: object) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
