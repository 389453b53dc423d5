"""HorizontalPodAutoscalers: autoscaling/v2 stored and preferred, autoscaling/v1 converted to and from it.

    v1 targetCPUUtilizationPercentage  ⇄  v2 metrics[Resource cpu, Utilization]
    v1 annotations autoscaling.alpha.kubernetes.io/{metrics,current-metrics,conditions,behavior}
                                        ⇄  v2 metrics beyond cpu, currentMetrics, conditions, behavior
so an object written as v2 and read back as v1 (or the reverse) loses nothing.
"""

from __future__ import annotations

import copy
import json

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_one_of, check_positive

METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/metrics"
CURRENT_METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
BEHAVIOR_ANNOTATION = "autoscaling.alpha.kubernetes.io/behavior"
ROUND_TRIP_ANNOTATIONS = (METRICS_ANNOTATION, CURRENT_METRICS_ANNOTATION, CONDITIONS_ANNOTATION, BEHAVIOR_ANNOTATION)
DEFAULT_CPU_UTILIZATION = 80
METRIC_TYPES = ("Object", "Pods", "Resource", "ContainerResource", "External")
TARGET_TYPES = ("Utilization", "Value", "AverageValue")
SELECT_POLICIES = ("Max", "Min", "Disabled")
TARGETS_SHOWN = 2


def _cpu_metric(utilization: int) -> dict:
    return {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": utilization}},
    }


def _default_rules(rules: dict, policies: list[dict], *, window: int | None) -> None:
    if window is not None:
        rules.setdefault("stabilizationWindowSeconds", window)
    rules.setdefault("selectPolicy", "Max")
    rules.setdefault("policies", policies)


def default_behavior(behavior: dict) -> None:
    scale_up = behavior.setdefault("scaleUp", {})
    _default_rules(
        scale_up,
        [{"type": "Pods", "value": 4, "periodSeconds": 15}, {"type": "Percent", "value": 100, "periodSeconds": 15}],
        window=0,
    )
    _default_rules(
        behavior.setdefault("scaleDown", {}), [{"type": "Percent", "value": 100, "periodSeconds": 15}], window=None
    )


def _is_cpu_utilization(metric: dict) -> bool:
    resource = metric.get("resource") or {}
    return (
        metric.get("type") == "Resource"
        and resource.get("name") == "cpu"
        and (resource.get("target") or {}).get("type") == "Utilization"
    )


def v2_to_v1(obj: dict) -> dict:
    """The autoscaling/v1 view of a stored (v2) HPA."""
    result = copy.deepcopy(obj)
    result["apiVersion"] = "autoscaling/v1"
    metadata = result.setdefault("metadata", {})
    annotations = {k: v for k, v in (metadata.get("annotations") or {}).items() if k not in ROUND_TRIP_ANNOTATIONS}
    spec, status = result.get("spec") or {}, result.get("status") or {}
    metrics = spec.pop("metrics", None) or []
    cpu = next(
        (m for m in metrics if m.get("type") == "Resource" and (m.get("resource") or {}).get("name") == "cpu"), None
    )
    others = [m for m in metrics if m is not cpu or not _is_cpu_utilization(m)]
    if cpu is not None and _is_cpu_utilization(cpu):
        spec["targetCPUUtilizationPercentage"] = cpu["resource"]["target"].get("averageUtilization")
    if others:
        annotations[METRICS_ANNOTATION] = json.dumps(others, separators=(",", ":"))
    behavior = spec.pop("behavior", None)
    if behavior:
        annotations[BEHAVIOR_ANNOTATION] = json.dumps(behavior, separators=(",", ":"))
    current = status.pop("currentMetrics", None) or []
    for metric in current:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            utilization = (resource.get("current") or {}).get("averageUtilization")
            if utilization is not None:
                status["currentCPUUtilizationPercentage"] = utilization
    if current:
        annotations[CURRENT_METRICS_ANNOTATION] = json.dumps(current, separators=(",", ":"))
    conditions = status.pop("conditions", None)
    if conditions:
        annotations[CONDITIONS_ANNOTATION] = json.dumps(conditions, separators=(",", ":"))
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    return result


def v1_to_v2(obj: dict) -> dict:
    """The stored (v2) form of an autoscaling/v1 HPA."""
    result = copy.deepcopy(obj)
    result["apiVersion"] = "autoscaling/v2"
    metadata = result.setdefault("metadata", {})
    annotations = dict(metadata.get("annotations") or {})
    spec = result.setdefault("spec", {})
    status = result.get("status")
    metrics = _load(annotations.pop(METRICS_ANNOTATION, None)) or []
    target = spec.pop("targetCPUUtilizationPercentage", None)
    if target is not None:
        metrics.append(_cpu_metric(target))
    if metrics:
        spec["metrics"] = metrics
    behavior = _load(annotations.pop(BEHAVIOR_ANNOTATION, None))
    if behavior:
        spec["behavior"] = behavior
    current = _load(annotations.pop(CURRENT_METRICS_ANNOTATION, None))
    conditions = _load(annotations.pop(CONDITIONS_ANNOTATION, None))
    if isinstance(status, dict):
        cpu_now = status.pop("currentCPUUtilizationPercentage", None)
        if current:
            status["currentMetrics"] = current
        elif cpu_now is not None:
            status["currentMetrics"] = [
                {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": cpu_now}}}
            ]
        if conditions:
            status["conditions"] = conditions
    if annotations:
        metadata["annotations"] = annotations
    else:
        metadata.pop("annotations", None)
    return result


def _load(text: str | None):
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _target_text(metric: dict, current: dict | None) -> str:
    kind = metric.get("type")
    source = (
        metric.get(
            {
                "Resource": "resource",
                "ContainerResource": "containerResource",
                "Pods": "pods",
                "Object": "object",
                "External": "external",
            }.get(kind, ""),
            {},
        )
        or {}
    )
    now_source = (current or {}).get(
        {
            "Resource": "resource",
            "ContainerResource": "containerResource",
            "Pods": "pods",
            "Object": "object",
            "External": "external",
        }.get(kind, ""),
        {},
    ) or {}
    target, now = source.get("target") or {}, now_source.get("current") or {}
    unknown = printing.UNKNOWN
    if kind in ("External", "Object"):
        if target.get("averageValue") is not None:
            return f"{now.get('averageValue', unknown)}/{target['averageValue']} (avg)"
        return f"{now.get('value', unknown)}/{target.get('value')}"
    if kind == "Pods":
        return f"{now.get('averageValue', unknown)}/{target.get('averageValue')}"
    if kind in ("Resource", "ContainerResource"):
        name = source.get("name", "")
        if target.get("averageValue") is not None:
            return f"{name}: {now.get('averageValue', unknown)}/{target['averageValue']}"
        current_text = f"{now['averageUtilization']}%" if now.get("averageUtilization") is not None else unknown
        wanted = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
        return f"{name}: {current_text}/{wanted}"
    return "<unknown type>"


def targets_cell(obj: dict) -> str:
    metrics = printing.spec(obj).get("metrics") or []
    if not metrics:
        return printing.NONE
    current = printing.status(obj).get("currentMetrics") or []
    texts = [_target_text(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics)]
    shown = ", ".join(texts[:TARGETS_SHOWN])
    return f"{shown} + {len(texts) - TARGETS_SHOWN} more..." if len(texts) > TARGETS_SHOWN else shown


class HorizontalPodAutoscalerStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Reference", description="Reference to the target resource to scale."),
        Column("Targets", description="The target and current value of the metrics."),
        Column("MinPods", description="Minimum number of replicas the autoscaler may scale down to."),
        Column("MaxPods", description="Maximum number of replicas the autoscaler may scale up to."),
        Column("Replicas", description="Current number of replicas of pods managed by this autoscaler."),
        AGE,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("minReplicas", 1)
        if not spec.get("metrics"):
            spec["metrics"] = [_cpu_metric(DEFAULT_CPU_UTILIZATION)]
        if spec.get("behavior") is not None:
            default_behavior(spec["behavior"])

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        target = spec.get("scaleTargetRef") or {}
        for key in ("kind", "name"):
            if not target.get(key):
                errors.required(f"spec.scaleTargetRef.{key}")
        check_positive(spec.get("minReplicas"), "spec.minReplicas", errors)
        maximum = spec.get("maxReplicas")
        if maximum is None:
            errors.required("spec.maxReplicas")
        elif maximum < 1:
            errors.invalid("spec.maxReplicas", maximum, "must be greater than 0")
        elif spec.get("minReplicas") is not None and maximum < spec["minReplicas"]:
            errors.invalid("spec.maxReplicas", maximum, "must be greater than or equal to `minReplicas`")
        for index, metric in enumerate(spec.get("metrics") or []):
            where = f"spec.metrics[{index}]"
            check_one_of(metric.get("type"), f"{where}.type", METRIC_TYPES, errors)
            source_key = {
                "Resource": "resource",
                "ContainerResource": "containerResource",
                "Pods": "pods",
                "Object": "object",
                "External": "external",
            }.get(metric.get("type"))
            source = metric.get(source_key) if source_key else None
            if source_key and not source:
                errors.required(f"{where}.{source_key}")
            elif source:
                check_one_of(
                    (source.get("target") or {}).get("type"), f"{where}.{source_key}.target.type", TARGET_TYPES, errors
                )
        behavior = spec.get("behavior") or {}
        for direction in ("scaleUp", "scaleDown"):
            rules = behavior.get(direction) or {}
            check_one_of(rules.get("selectPolicy"), f"spec.behavior.{direction}.selectPolicy", SELECT_POLICIES, errors)

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        target = spec.get("scaleTargetRef") or {}
        minimum = spec.get("minReplicas")
        return [
            printing.name(obj),
            f"{target.get('kind', '')}/{target.get('name', '')}",
            targets_cell(obj),
            str(minimum) if minimum is not None else printing.UNSET,
            spec.get("maxReplicas", 0),
            status.get("currentReplicas", 0),
            printing.age(obj),
        ]


class HorizontalPodAutoscalerV1Strategy(HorizontalPodAutoscalerStrategy):
    """autoscaling/v1: every rule runs on the v2 form the request is converted to."""

    def to_storage(self, obj: dict) -> dict:
        return v1_to_v2(obj)

    def from_storage(self, obj: dict) -> dict:
        return v2_to_v1(obj)

    def cells(self, obj: dict) -> list:
        return super().cells(v1_to_v2(obj))
