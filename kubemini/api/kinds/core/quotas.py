"""ResourceQuotas and LimitRanges."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, CREATED_AT, NAME, Column, Strategy
from kubemini.api.quantity import parse_quantity

LIMIT_TYPES = ("Pod", "Container", "PersistentVolumeClaim")
QUOTA_SCOPES = (
    "Terminating",
    "NotTerminating",
    "BestEffort",
    "NotBestEffort",
    "PriorityClass",
    "CrossNamespacePodAffinity",
    "VolumeAttributesClass",
)


def _negative(values: dict | None, path: str, errors: FieldErrors) -> None:
    for name, value in (values or {}).items():
        if parse_quantity(value) < 0:
            errors.invalid(f"{path}[{name}]", value, "must be greater than or equal to 0")


class ResourceQuotaStrategy(Strategy):
    columns = (
        NAME,
        AGE,
        Column(
            "Request", description="Request represents a minimum amount of cpu/memory that a container may consume."
        ),
        Column(
            "Limit",
            description="Limits control the maximum amount of cpu/memory that a container may use independent "
            "of contention on the node.",
        ),
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        _negative(spec.get("hard"), "spec.hard", errors)
        for index, scope in enumerate(spec.get("scopes") or []):
            if scope not in QUOTA_SCOPES:
                errors.not_supported(f"spec.scopes[{index}]", scope, QUOTA_SCOPES)

    def cells(self, obj: dict) -> list:
        status = printing.status(obj)
        hard, used = status.get("hard") or {}, status.get("used") or {}
        requests = [f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if not k.startswith("limits.")]
        limits = [f"{k}: {used.get(k, '0')}/{v}" for k, v in sorted(hard.items()) if k.startswith("limits.")]
        return [printing.name(obj), printing.age(obj), ", ".join(requests), ", ".join(limits)]


class LimitRangeStrategy(Strategy):
    columns = (NAME, CREATED_AT)

    def default(self, obj: dict) -> None:
        for limit in printing.spec(obj).get("limits") or []:
            if limit.get("type") != "Container":
                continue
            # A max without a default makes the max the default limit; a default limit is the default request.
            defaults = limit.setdefault("default", {})
            for name, value in (limit.get("max") or {}).items():
                defaults.setdefault(name, value)
            requests = limit.setdefault("defaultRequest", {})
            for name, value in defaults.items():
                requests.setdefault(name, value)
            for name, value in (limit.get("min") or {}).items():
                requests.setdefault(name, value)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        for index, limit in enumerate(printing.spec(obj).get("limits") or []):
            where = f"spec.limits[{index}]"
            if limit.get("type") not in LIMIT_TYPES:
                errors.not_supported(f"{where}.type", limit.get("type"), LIMIT_TYPES)
            for section in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
                _negative(limit.get(section), f"{where}.{section}", errors)
            low, high = limit.get("min") or {}, limit.get("max") or {}
            for name in set(low) & set(high):
                if parse_quantity(low[name]) > parse_quantity(high[name]):
                    errors.invalid(
                        f"{where}.min[{name}]",
                        low[name],
                        f"min value {low[name]} is greater than max value {high[name]}",
                    )

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), printing.created_at(obj)]
