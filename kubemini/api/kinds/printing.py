"""Cell formatting shared by every kind's table (Kubernetes' printers.go helpers)."""

from __future__ import annotations

from kubemini.api import timestamps

NONE = "<none>"
UNKNOWN = "<unknown>"


def human_age(seconds: float) -> str:
    """Kubernetes' HumanDuration: 45s, 3m20s, 15m, 5h30m, 2d, ..."""
    seconds = int(max(seconds, 0))
    minutes, hours, days = seconds // 60, seconds // 3600, seconds // 86400
    if seconds < 120:
        return f"{seconds}s"
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{days}d{hours % 24}h" if hours % 24 else f"{days}d"
    if days < 365 * 2:
        return f"{days}d"
    return f"{days // 365}y"


def since(timestamp: str | None) -> str:
    if not timestamp:
        return UNKNOWN
    try:
        return human_age(timestamps.age_seconds(timestamp))
    except ValueError:
        return UNKNOWN


def name(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def age(obj: dict) -> str:
    return since((obj.get("metadata") or {}).get("creationTimestamp"))


def created_at(obj: dict) -> str:
    return str((obj.get("metadata") or {}).get("creationTimestamp") or "")


def spec(obj: dict) -> dict:
    value = obj.get("spec")
    return value if isinstance(value, dict) else {}


def status(obj: dict) -> dict:
    value = obj.get("status")
    return value if isinstance(value, dict) else {}


def joined(values, empty: str = NONE) -> str:
    text = ",".join(str(v) for v in values if v not in (None, ""))
    return text or empty


def template_containers(pod_spec: dict | None) -> tuple[str, str]:
    """(CONTAINERS, IMAGES) of a pod spec, comma-separated."""
    containers = [c for c in (pod_spec or {}).get("containers") or [] if isinstance(c, dict)]
    return joined(c.get("name") for c in containers), joined(c.get("image") for c in containers)


def workload_wide(obj: dict) -> list[str]:
    """CONTAINERS, IMAGES, SELECTOR: the `-o wide` columns of every pod-template workload."""
    template = spec(obj).get("template") or {}
    containers, images = template_containers(template.get("spec"))
    return [containers, images, label_selector(spec(obj).get("selector"))]


def label_selector(selector: dict | None) -> str:
    """metav1.FormatLabelSelector: `app=web,tier in (a,b),!legacy`, requirements sorted by key."""
    if not isinstance(selector, dict) or not (selector.get("matchLabels") or selector.get("matchExpressions")):
        return NONE
    parts: list[tuple[str, str]] = [(str(k), f"{k}={v}") for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        if not isinstance(expression, dict):
            continue
        key, operator = str(expression.get("key", "")), expression.get("operator")
        values = ",".join(sorted(str(v) for v in expression.get("values") or []))
        text = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }.get(operator, key)
        parts.append((key, text))
    return ",".join(text for _, text in sorted(parts))


def map_selector(selector: dict | None) -> str:
    """A plain map selector (Service, ReplicationController) as `k=v,k2=v2`."""
    if not selector:
        return NONE
    return ",".join(f"{k}={v}" for k, v in sorted(selector.items()))


def count(value) -> int:
    return len(value) if isinstance(value, dict | list) else 0


UNSET = "<unset>"
