"""LimitRange rules: the defaults a container gets and the min / max / ratio checks, worded as upstream.

    defaults(range)            Container items' defaultRequest → requests, default → limits
    apply_defaults(spec, d)    fill what each container and init container lacks; the annotation text
                               `cpu, memory request for container web; cpu limit for init container i`
    pod_violations(range, pod) Container items against each container, Pod items against the pod's sums:
                               `minimum cpu usage per Container is 100m, but request is 50m`, ...
    claim_violations(range, c) PersistentVolumeClaim items against spec.resources.requests

Model: kubernetes plugin/pkg/admission/limitranger/admission.go.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from kubemini.api.quantity import QuantityError, canonical_quantity, parse_quantity
from kubemini.api.quota.pods import pod_limits, pod_requests
from kubemini.api.quota.resources import format_list

ANNOTATION = "kubernetes.io/limit-ranger"


def _items(limit_range: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [i for i in (limit_range.get("spec") or {}).get("limits") or [] if i.get("type") == kind]


def defaults(limit_range: Mapping[str, Any]) -> tuple[dict, dict]:
    requests: dict = {}
    limits: dict = {}
    for item in _items(limit_range, "Container"):
        requests.update(item.get("defaultRequest") or {})
        limits.update(item.get("default") or {})
    return requests, limits


def _merge(container: dict, requests: Mapping, limits: Mapping, label: str) -> list[str]:
    resources = container.setdefault("resources", {})
    notes = []
    for section, wanted, word in (("requests", requests, "request"), ("limits", limits, "limit")):
        current = resources.get(section) or {}
        added = sorted(name for name in wanted if name not in current)
        if added:
            resources[section] = {**current, **{name: wanted[name] for name in added}}
            notes.append(f"{', '.join(added)} {word} for {label} {container.get('name', '')}")
    return notes


def apply_defaults(spec: dict, requests: Mapping, limits: Mapping) -> str | None:
    """Fill the defaults in; the annotation value saying what was set, or None when nothing was."""
    notes: list[str] = []
    for container in spec.get("containers") or []:
        notes += _merge(container, requests, limits, "container")
    for container in spec.get("initContainers") or []:
        notes += _merge(container, requests, limits, "init container")
    return "LimitRanger plugin set: " + "; ".join(notes) if notes else None


def _amount(value: Any) -> Fraction | None:
    try:
        return parse_quantity(value)
    except (QuantityError, TypeError):
        return None


def _text(value: Any) -> str:
    try:
        return canonical_quantity(value)
    except (QuantityError, TypeError):
        return str(value)


def _min(kind: str, name: str, enforced: Any, requests: Mapping, limits: Mapping) -> str | None:
    floor = _amount(enforced)
    if name not in requests:
        return f"minimum {name} usage per {kind} is {_text(enforced)}.  No request is specified"
    if (_amount(requests[name]) or 0) < floor:
        return f"minimum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    if name in limits and (_amount(limits[name]) or 0) < floor:
        return f"minimum {name} usage per {kind} is {_text(enforced)}, but limit is {_text(limits[name])}"
    return None


def _max(kind: str, name: str, enforced: Any, requests: Mapping, limits: Mapping) -> str | None:
    ceiling = _amount(enforced)
    if name not in limits:
        return f"maximum {name} usage per {kind} is {_text(enforced)}.  No limit is specified"
    if (_amount(limits[name]) or 0) > ceiling:
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but limit is {_text(limits[name])}"
    if name in requests and (_amount(requests[name]) or 0) > ceiling:
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    return None


def _max_request(kind: str, name: str, enforced: Any, requests: Mapping) -> str | None:
    if name not in requests:
        return f"maximum {name} usage per {kind} is {_text(enforced)}.  No request is specified"
    if (_amount(requests[name]) or 0) > _amount(enforced):
        return f"maximum {name} usage per {kind} is {_text(enforced)}, but request is {_text(requests[name])}"
    return None


def _ratio(kind: str, name: str, enforced: Any, requests: Mapping, limits: Mapping) -> str | None:
    request, limit = _amount(requests.get(name)), _amount(limits.get(name))
    if not request:
        return (
            f"{name} max limit to request ratio per {kind} is {_text(enforced)}, "
            "but no request is specified or request is 0"
        )
    if not limit:
        return (
            f"{name} max limit to request ratio per {kind} is {_text(enforced)}, "
            "but no limit is specified or limit is 0"
        )
    observed = limit / request
    if observed > _amount(enforced):
        return (
            f"{name} max limit to request ratio per {kind} is {_text(enforced)}, "
            f"but provided ratio is {float(observed):f}"
        )
    return None


def _check(kind: str, item: Mapping[str, Any], requests: Mapping, limits: Mapping) -> list[str]:
    found = [_min(kind, name, value, requests, limits) for name, value in (item.get("min") or {}).items()]
    found += [_max(kind, name, value, requests, limits) for name, value in (item.get("max") or {}).items()]
    ratios = (item.get("maxLimitRequestRatio") or {}).items()
    found += [_ratio(kind, name, value, requests, limits) for name, value in ratios]
    return [f for f in found if f]


def pod_violations(limit_range: Mapping[str, Any], pod: Mapping[str, Any]) -> list[str]:
    spec = pod.get("spec") or {}
    found: list[str] = []
    for item in _items(limit_range, "Container"):
        for section in ("containers", "initContainers"):
            for container in spec.get(section) or []:
                resources = container.get("resources") or {}
                found += _check("Container", item, resources.get("requests") or {}, resources.get("limits") or {})
    pod_items = _items(limit_range, "Pod")
    if pod_items:
        requests = format_list(pod_requests(spec, overhead=False))
        limits = format_list(pod_limits(spec, overhead=False))
        for item in pod_items:
            found += _check("Pod", item, requests, limits)
    return found


def claim_violations(limit_range: Mapping[str, Any], claim: Mapping[str, Any]) -> list[str]:
    requests = ((claim.get("spec") or {}).get("resources") or {}).get("requests") or {}
    found: list[str] = []
    for item in _items(limit_range, "PersistentVolumeClaim"):
        found += [_min("PersistentVolumeClaim", n, v, requests, {}) for n, v in (item.get("min") or {}).items()]
        found += [_max_request("PersistentVolumeClaim", n, v, requests) for n, v in (item.get("max") or {}).items()]
    return [f for f in found if f]


def aggregate(messages: list[str]) -> str:
    """utilerrors.NewAggregate's text: repeats dropped, one message as it is, several as `[a, b]`."""
    unique = list(dict.fromkeys(messages))
    return unique[0] if len(unique) == 1 else "[" + ", ".join(unique) + "]"
