"""Hand-written Ingresses, Services and EndpointSlices for the routing tests."""

from __future__ import annotations


def ingress(name, *, rules=(), default=None, tls=(), annotations=None, created="2026-01-01T00:00:00Z", ns="default"):
    spec = {"rules": list(rules)}
    if default:
        spec["defaultBackend"] = default
    if tls:
        spec["tls"] = list(tls)
    metadata = {"name": name, "namespace": ns, "creationTimestamp": created, "annotations": annotations or {}}
    return {"metadata": metadata, "spec": spec}


def backend(service, port):
    return {"service": {"name": service, "port": {"number": port} if isinstance(port, int) else {"name": port}}}


def rule(host, *paths):
    """paths: (path type, path, service, port)"""
    value = {"http": {"paths": [{"pathType": t, "path": p, "backend": backend(s, n)} for t, p, s, n in paths]}}
    if host:
        value["host"] = host
    return value


def service(name, *ports, ns="default"):
    """ports: (name, port, targetPort)"""
    return {
        "metadata": {"name": name, "namespace": ns},
        "spec": {"ports": [{"name": n, "port": p, "targetPort": t} for n, p, t in ports]},
    }


def endpoint_slice(service_name, port_name, port, *ips, ready=True, ns="default"):
    labels = {"kubernetes.io/service-name": service_name}
    return {
        "metadata": {"name": f"{service_name}-x", "namespace": ns, "labels": labels},
        "addressType": "IPv4",
        "ports": [{"name": port_name, "port": port, "protocol": "TCP"}],
        "endpoints": [{"addresses": [ip], "conditions": {"ready": ready}} for ip in ips],
    }


class Cluster:
    """Services and slices by key, with the lookups build_routing_table takes."""

    def __init__(self, services=(), slices=(), secrets=()):
        self.services = {f"{s['metadata']['namespace']}/{s['metadata']['name']}": s for s in services}
        self.slices = list(slices)
        self.secrets = {f"{s['metadata']['namespace']}/{s['metadata']['name']}": s for s in secrets}

    def slices_for(self, namespace, name):
        return [
            s
            for s in self.slices
            if s["metadata"]["namespace"] == namespace and s["metadata"]["labels"]["kubernetes.io/service-name"] == name
        ]

    def lookups(self):
        return {"services": self.services.get, "slices_for": self.slices_for, "secrets": self.secrets.get}
