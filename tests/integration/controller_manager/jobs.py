"""Job manifests for the scripted nodes, and the reads Job tests share."""

from __future__ import annotations

from typing import Any

from tests.integration.controller_manager.cluster import condition
from tests.integration.controller_manager.scripted_nodes import PREFIX, SCRIPTED_LABEL, SCRIPTED_TAINT

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"


def job(
    name: str,
    *,
    exit_code: int | None = 0,
    run_seconds: float = 0.1,
    notes: dict[str, str] | None = None,
    restart_policy: str = "Never",
    **spec: Any,
) -> dict:
    """A Job whose pods land on the scripted nodes and exit with `exit_code` after `run_seconds`
    (None: they run until deleted); `notes` adds scripted annotations (per-index codes, fail-first)."""
    annotations = {f"{PREFIX}run-seconds": str(run_seconds)}
    if exit_code is not None:
        annotations[f"{PREFIX}exit-code"] = str(exit_code)
    annotations.update({f"{PREFIX}{key}": value for key, value in (notes or {}).items()})
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "metadata": {"annotations": annotations},
                "spec": {
                    "restartPolicy": restart_policy,
                    "nodeSelector": {SCRIPTED_LABEL: "true"},
                    "tolerations": [{"key": SCRIPTED_TAINT["key"], "operator": "Exists"}],
                    "containers": [{"name": "main", "image": "kubemini/busybox:1.35"}],
                },
            },
            **spec,
        },
    }


def jobs_path(namespace: str) -> str:
    return f"/apis/batch/v1/namespaces/{namespace}/jobs"


def job_pods(api, namespace: str, name: str) -> list[dict]:
    return api.items(f"/api/v1/namespaces/{namespace}/pods", labelSelector=f"batch.kubernetes.io/job-name={name}")


def finished(api, namespace: str, name: str, kind: str = "Complete") -> dict | None:
    current = api.get_or_none(f"{jobs_path(namespace)}/{name}")  # None once deleted (TTL, cascades)
    return current if current is not None and condition(current, kind).get("status") == "True" else None


def status_of(api, namespace: str, name: str) -> dict:
    return api.get(f"{jobs_path(namespace)}/{name}").get("status") or {}
