"""CRD bodies for tests, and waiting for a CRD to be served (Established, routes answer)."""

from __future__ import annotations

import copy
import time

import httpx

CRDS_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"
SERVE_DEADLINE_SECONDS = 2.0  # the bound: routes within 2 s of creation

CRONTAB_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["cronSpec"],
            "x-kubernetes-validations": [
                {"rule": "self.replicas <= self.maxReplicas", "message": "replicas must not exceed maxReplicas"}
            ],
            "properties": {
                "cronSpec": {"type": "string", "pattern": r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$"},
                "image": {"type": "string", "maxLength": 64},
                "replicas": {"type": "integer", "minimum": 0, "default": 1},
                "maxReplicas": {"type": "integer", "maximum": 100, "default": 10},
                "color": {"type": "string", "enum": ["red", "green"], "default": "red"},
                "tags": {"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "set"},
                "when": {"type": "string", "format": "date-time"},
                "port": {"x-kubernetes-int-or-string": True},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            },
        },
        "status": {
            "type": "object",
            "properties": {"replicas": {"type": "integer"}, "selector": {"type": "string"}},
        },
    },
}


def crontab_crd(
    group: str,
    *,
    plural: str = "crontabs",
    kind: str = "CronTab",
    scope: str = "Namespaced",
    short_names: tuple[str, ...] = ("ct",),
    categories: tuple[str, ...] = ("all",),
    extra_versions: tuple[dict, ...] = (),
) -> dict:
    version = {
        "name": "v1",
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": copy.deepcopy(CRONTAB_SCHEMA)},
        "subresources": {
            "status": {},
            "scale": {
                "specReplicasPath": ".spec.replicas",
                "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".status.selector",
            },
        },
        "additionalPrinterColumns": [
            {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
            {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
            {"name": "Image", "type": "string", "jsonPath": ".spec.image", "priority": 1},
            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"},
        ],
        "selectableFields": [{"jsonPath": ".spec.color"}],
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": f"{plural}.{group}"},
        "spec": {
            "group": group,
            "scope": scope,
            "names": {
                "plural": plural,
                "singular": kind.lower(),
                "kind": kind,
                "shortNames": list(short_names),
                "categories": list(categories),
            },
            "versions": [version, *copy.deepcopy(list(extra_versions))],
        },
    }


def crontab(name: str, group: str, *, version: str = "v1", **spec) -> dict:
    return {
        "apiVersion": f"{group}/{version}",
        "kind": "CronTab",
        "metadata": {"name": name},
        "spec": {"cronSpec": "*/5 * * * *", "image": "cron:1", **spec},
    }


def wait_served(http: httpx.Client, crd: dict, *, deadline_seconds: float = SERVE_DEADLINE_SECONDS) -> float:
    """Seconds until the CRD is Established and its collection answers 200; fails past the deadline."""
    spec = crd["spec"]
    served = next(v["name"] for v in spec["versions"] if v["served"])
    path = f"/apis/{spec['group']}/{served}/{spec['names']['plural']}"
    started = time.monotonic()
    seen = None
    while time.monotonic() - started < deadline_seconds:
        current = http.get(f"{CRDS_PATH}/{crd['metadata']['name']}").json()
        conditions = {c["type"]: c["status"] for c in (current.get("status") or {}).get("conditions") or []}
        seen = (conditions, http.get(path).status_code)
        if conditions.get("Established") == "True" and seen[1] == 200:
            return time.monotonic() - started
        time.sleep(0.02)
    raise AssertionError(f"CRD {crd['metadata']['name']} not served within {deadline_seconds}s; last seen {seen}")


def wait_gone(http: httpx.Client, path: str, *, deadline_seconds: float = 10.0) -> None:
    started, code = time.monotonic(), None
    while time.monotonic() - started < deadline_seconds:
        code = http.get(path).status_code
        if code == 404:
            return
        time.sleep(0.05)
    raise AssertionError(f"{path} still answers {code} after {deadline_seconds}s")
