"""metrics.k8s.io/v1beta1: PodMetrics and NodeMetrics, never stored.

metrics component (metrics_server/) ──scrapes──► kubelets' /metrics/resource
apiserver /apis/metrics.k8s.io/v1beta1/... ──proxies (aggregation.py)──► the component named by the
    APIService v1beta1.metrics.k8s.io (spec.service ──► its Endpoints) ──► these shapes, this table
"""

from __future__ import annotations

from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import NAME, Column, Strategy
from kubemini.api.quantity import cpu_millis, to_bytes

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
API_SERVICE_NAME = f"{VERSION}.{GROUP}"
MEBIBYTE = 2**20


def cpu_text(quantity: str) -> str:
    """`kubectl top`'s form: whole millicores."""
    return f"{cpu_millis(quantity)}m"


def memory_text(quantity: str) -> str:
    return f"{to_bytes(quantity) // MEBIBYTE}Mi"


class _UsageStrategy(Strategy):
    columns = (
        NAME,
        Column("CPU", description="CPU usage, in millicores"),
        Column("Memory", description="Memory working set"),
        Column("Window", description="Interval over which the CPU usage was measured"),
    )

    def _usage(self, obj: dict) -> dict:
        return obj.get("usage") or {}

    def cells(self, obj: dict) -> list:
        usage = self._usage(obj)
        return [
            printing.name(obj),
            cpu_text(usage.get("cpu", "0")),
            memory_text(usage.get("memory", "0")),
            obj.get("window", ""),
        ]


class NodeMetricsStrategy(_UsageStrategy):
    pass


class PodMetricsStrategy(_UsageStrategy):
    def _usage(self, obj: dict) -> dict:
        containers = obj.get("containers") or []
        return {
            "cpu": f"{sum(cpu_millis((c.get('usage') or {}).get('cpu', '0')) for c in containers)}m",
            "memory": str(sum(to_bytes((c.get("usage") or {}).get("memory", "0")) for c in containers)),
        }
