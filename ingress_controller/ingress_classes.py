"""Which Ingresses are ours: the IngressClasses naming our controller, and the default class.

    IngressClasses with spec.controller == kubemini.io/ingress-controller ──► our class names
        one of them annotated is-default-class "true" ──► Ingresses without a class are ours too
    Ingress: spec.ingressClassName, else the legacy kubernetes.io/ingress.class annotation

ensure_default_class() creates the `kubemini` class at start when no class of
ours exists yet (409 from a concurrent start is fine).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, Conflict

CONTROLLER_NAME = "kubemini.io/ingress-controller"
DEFAULT_CLASS_NAME = "kubemini"
DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class"
LEGACY_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
INGRESS_CLASS = by_kind("IngressClass")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OurClasses:
    names: frozenset[str]
    default: bool  # one of ours is the cluster's default class


def our_classes(classes: Iterable[Mapping[str, Any]], *, controller: str = CONTROLLER_NAME) -> OurClasses:
    names, default = set(), False
    for ingress_class in classes:
        if (ingress_class.get("spec") or {}).get("controller") != controller:
            continue
        metadata = ingress_class.get("metadata") or {}
        names.add(metadata.get("name", ""))
        default = default or (metadata.get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"
    return OurClasses(frozenset(names), default)


def class_of(ingress: Mapping[str, Any]) -> str | None:
    named = (ingress.get("spec") or {}).get("ingressClassName")
    if named:
        return named
    return ((ingress.get("metadata") or {}).get("annotations") or {}).get(LEGACY_CLASS_ANNOTATION) or None


def is_ours(ingress: Mapping[str, Any], classes: OurClasses) -> bool:
    name = class_of(ingress)
    return classes.default if name is None else name in classes.names


def default_class_body(name: str = DEFAULT_CLASS_NAME, *, controller: str = CONTROLLER_NAME) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "IngressClass",
        "metadata": {"name": name, "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
        "spec": {"controller": controller},
    }


async def ensure_default_class(client: ApiClient, *, name: str = DEFAULT_CLASS_NAME) -> bool:
    """Create our default IngressClass unless a class of ours exists; whether it was created."""
    listing = await client.list(INGRESS_CLASS)
    if our_classes(listing.get("items") or []).names:
        return False
    try:
        await client.create(INGRESS_CLASS, default_class_body(name))
    except (AlreadyExists, Conflict):
        return False
    log.info("created the default IngressClass %s", name, extra={"object": name})
    return True
