"""networking.k8s.io/v1 Ingresses, IngressClasses and NetworkPolicies; discovery.k8s.io/v1 EndpointSlices."""

from __future__ import annotations

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_label_selector, check_one_of, check_port, check_protocol

PATH_TYPES = ("Exact", "Prefix", "ImplementationSpecific")
POLICY_TYPES = ("Ingress", "Egress")
ADDRESS_TYPES = ("IPv4", "IPv6", "FQDN")
MAX_ENDPOINTS_PER_SLICE = 1000
SHOWN = 3


def _list_with_more(values: list[str]) -> str:
    if not values:
        return printing.UNSET
    text = ",".join(values[:SHOWN])
    return f"{text} + {len(values) - SHOWN} more..." if len(values) > SHOWN else text


def _check_backend(backend: dict, path: str, errors: FieldErrors) -> None:
    service, resource = backend.get("service"), backend.get("resource")
    if bool(service) == bool(resource):
        errors.invalid(
            path,
            backend,
            "cannot set both service and resource backends" if service else "must specify a service or a resource",
        )
        return
    if service:
        if not service.get("name"):
            errors.required(f"{path}.service.name")
        port = service.get("port") or {}
        if bool(port.get("name")) == bool(port.get("number")):
            errors.required(f"{path}.service.port")
        elif port.get("number") is not None:
            check_port(port["number"], f"{path}.service.port.number", errors)


class IngressStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Class", description="The name of the IngressClass resource that should be used for this Ingress."),
        Column("Hosts", description="Hosts that incoming requests are matched against before the ingress rule"),
        Column("Address", description="Address is a list containing ingress points for the load-balancer"),
        Column("Ports", description="Ports of TLS configurations that open"),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        if spec.get("defaultBackend"):
            _check_backend(spec["defaultBackend"], "spec.defaultBackend", errors)
        rules = spec.get("rules") or []
        if not rules and not spec.get("defaultBackend"):
            errors.invalid("spec", spec, "either `defaultBackend` or `rules` must be specified")
        for index, rule in enumerate(rules):
            host = rule.get("host")
            if host and (problem := names.dns1123_subdomain_problem(host.removeprefix("*."))):
                errors.invalid(f"spec.rules[{index}].host", host, problem)
            for position, path in enumerate((rule.get("http") or {}).get("paths") or []):
                where = f"spec.rules[{index}].http.paths[{position}]"
                if path.get("pathType") is None:
                    errors.required(f"{where}.pathType")
                else:
                    check_one_of(path["pathType"], f"{where}.pathType", PATH_TYPES, errors)
                if path.get("pathType") in ("Exact", "Prefix") and not (path.get("path") or "").startswith("/"):
                    errors.invalid(f"{where}.path", path.get("path"), "must be an absolute path")
                _check_backend(path.get("backend") or {}, f"{where}.backend", errors)

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        rules = spec.get("rules") or []
        hosts = [r["host"] for r in rules if r.get("host")][:SHOWN]
        host_text = ",".join(hosts) + (f" + {len(rules) - SHOWN} more..." if len(rules) > SHOWN else "") or "*"
        ingress = (printing.status(obj).get("loadBalancer") or {}).get("ingress") or []
        address = ",".join(
            sorted({i.get("ip") or i.get("hostname") for i in ingress if i.get("ip") or i.get("hostname")})
        )
        return [
            printing.name(obj),
            spec.get("ingressClassName") or printing.NONE,
            host_text or "*",
            address,
            "80, 443" if spec.get("tls") else "80",
            printing.age(obj),
        ]


class IngressClassStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column(
            "Controller", description="Controller refers to the name of the controller that should handle this class."
        ),
        Column(
            "Parameters",
            description="Parameters is a link to a custom resource containing additional configuration for the "
            "controller.",
        ),
        AGE,
    )

    def default(self, obj: dict) -> None:
        parameters = printing.spec(obj).get("parameters")
        if parameters:
            parameters.setdefault("scope", "Cluster")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        controller = printing.spec(obj).get("controller")
        if controller and "/" not in controller:
            errors.invalid("spec.controller", controller, 'must be a domain-prefixed path (such as "acme.io/foo")')

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        if printing.spec(new).get("controller") != printing.spec(old).get("controller"):
            errors.invalid("spec.controller", printing.spec(new).get("controller"), "field is immutable")

    def cells(self, obj: dict) -> list:
        spec = printing.spec(obj)
        parameters = spec.get("parameters")
        if parameters:
            group = f".{parameters['apiGroup']}" if parameters.get("apiGroup") is not None else ""
            shown = f"{parameters.get('kind')}{group}/{parameters.get('name')}"
        else:
            shown = printing.NONE
        return [printing.name(obj), spec.get("controller", ""), shown, printing.age(obj)]


class NetworkPolicyStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Pod-Selector", description="Selects the pods to which this NetworkPolicy object applies."),
        AGE,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        if not spec.get("policyTypes"):
            spec["policyTypes"] = ["Ingress", "Egress"] if spec.get("egress") else ["Ingress"]
        for direction in ("ingress", "egress"):
            for rule in spec.get(direction) or []:
                for port in rule.get("ports") or []:
                    port.setdefault("protocol", "TCP")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        check_label_selector(spec.get("podSelector"), "spec.podSelector", errors)
        for index, kind in enumerate(spec.get("policyTypes") or []):
            check_one_of(kind, f"spec.policyTypes[{index}]", POLICY_TYPES, errors)
        for direction in ("ingress", "egress"):
            for index, rule in enumerate(spec.get(direction) or []):
                for position, port in enumerate(rule.get("ports") or []):
                    check_protocol(
                        port.get("protocol", "TCP"), f"spec.{direction}[{index}].ports[{position}].protocol", errors
                    )

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), printing.label_selector(printing.spec(obj).get("podSelector")), printing.age(obj)]


class EndpointSliceStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("AddressType", description="Type of address carried by this EndpointSlice"),
        Column("Ports", description="Ports allowed by this EndpointSlice"),
        Column("Endpoints", description="Endpoints in this EndpointSlice"),
        AGE,
    )

    def default(self, obj: dict) -> None:
        for port in obj.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("name", "")

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        address_type = obj.get("addressType")
        if address_type is None:
            errors.required("addressType")
        else:
            check_one_of(address_type, "addressType", ADDRESS_TYPES, errors)
        endpoints = obj.get("endpoints") or []
        if len(endpoints) > MAX_ENDPOINTS_PER_SLICE:
            errors.too_many("endpoints", len(endpoints), MAX_ENDPOINTS_PER_SLICE)
        for index, endpoint in enumerate(endpoints):
            addresses = endpoint.get("addresses") or []
            if not addresses:
                errors.required(f"endpoints[{index}].addresses")
            for position, address in enumerate(addresses):
                if address_type in ("IPv4", "IPv6") and not names.is_ip(address):
                    errors.invalid(f"endpoints[{index}].addresses[{position}]", address, "must be a valid IP address")
        for index, port in enumerate(obj.get("ports") or []):
            if port.get("port") is not None:
                check_port(port["port"], f"ports[{index}].port", errors)
            check_protocol(port.get("protocol", "TCP"), f"ports[{index}].protocol", errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return any(new.get(k) != old.get(k) for k in ("endpoints", "ports", "addressType"))

    def cells(self, obj: dict) -> list:
        ports = [
            str(p["port"]) if p.get("port") is not None else (p.get("name") or "*") for p in obj.get("ports") or []
        ]
        addresses = [a for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
        return [
            printing.name(obj),
            obj.get("addressType", ""),
            _list_with_more(ports),
            _list_with_more(addresses),
            printing.age(obj),
        ]
