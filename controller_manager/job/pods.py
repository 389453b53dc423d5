"""A Job's pods: what each is made from, and how each is read.

    job template ──pod_for(job, index)──► generateName `<job>-` (Indexed: `<job>-<i>-`), controller
        reference, the `batch.kubernetes.io/job-tracking` finalizer; Indexed: completion-index
        annotation + label, `JOB_COMPLETION_INDEX` env from that annotation, hostname `<job>-<i>`;
        backoffLimitPerIndex: the index's failure count so far (annotation)
    pod ──► index_of, is_finished, counts_as_failed (Kubernetes' isPodFailed), finish_time

Pure functions over dicts; the controller decides, these only describe.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from controller_manager.ownership import meta, new_controller_ref
from kubemini.api import timestamps
from kubemini.api.pods import TERMINAL_PHASES, is_terminating, phase

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
INDEX_FAILURE_COUNT_ANNOTATION = "batch.kubernetes.io/job-index-failure-count"
INDEX_ENV = "JOB_COMPLETION_INDEX"

Obj = dict[str, Any]


def spec(job: Mapping[str, Any]) -> Mapping[str, Any]:
    return job.get("spec") or {}


def is_indexed(job: Mapping[str, Any]) -> bool:
    return spec(job).get("completionMode") == "Indexed"


def only_replace_failed(job: Mapping[str, Any]) -> bool:
    """podReplacementPolicy Failed (the default with a podFailurePolicy): a terminating pod still counts."""
    return spec(job).get("podReplacementPolicy") == "Failed" or bool(spec(job).get("podFailurePolicy"))


def pod_for(job: Mapping[str, Any], index: int | None, *, index_failures: int | None = None) -> Obj:
    template = copy.deepcopy(spec(job).get("template") or {})
    template_meta = template.get("metadata") or {}
    name = meta(job)["name"]
    labels = dict(template_meta.get("labels") or {})
    annotations = dict(template_meta.get("annotations") or {})
    pod_spec = template.get("spec") or {}
    generate = f"{name}-"
    if index is not None:
        generate = f"{name}-{index}-"
        annotations[INDEX_ANNOTATION] = str(index)
        labels[INDEX_LABEL] = str(index)
        if index_failures is not None:
            annotations[INDEX_FAILURE_COUNT_ANNOTATION] = str(index_failures)
        pod_spec.setdefault("hostname", f"{name}-{index}")
        env = {
            "name": INDEX_ENV,
            "valueFrom": {"fieldRef": {"fieldPath": f"metadata.annotations['{INDEX_ANNOTATION}']"}},
        }
        for container in [*(pod_spec.get("initContainers") or []), *(pod_spec.get("containers") or [])]:
            if not any(item.get("name") == INDEX_ENV for item in container.get("env") or []):
                container["env"] = [*(container.get("env") or []), copy.deepcopy(env)]
    metadata: Obj = {
        "generateName": generate,
        "namespace": meta(job).get("namespace"),
        "labels": labels,
        "ownerReferences": [new_controller_ref(job)],
        "finalizers": [*(template_meta.get("finalizers") or []), TRACKING_FINALIZER],
    }
    if annotations:
        metadata["annotations"] = annotations
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": pod_spec}


def index_of(pod: Mapping[str, Any]) -> int | None:
    text = (meta(pod).get("annotations") or {}).get(INDEX_ANNOTATION)
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def index_failure_count(pod: Mapping[str, Any]) -> int:
    text = (meta(pod).get("annotations") or {}).get(INDEX_FAILURE_COUNT_ANNOTATION)
    return int(text) if text and text.isdigit() else 0


def has_finalizer(pod: Mapping[str, Any]) -> bool:
    return TRACKING_FINALIZER in (meta(pod).get("finalizers") or [])


def counts_as_failed(pod: Mapping[str, Any], job: Mapping[str, Any], *, now: datetime) -> bool:
    """Kubernetes' isPodFailed: phase Failed; or, unless only failed pods are replaced, a pod on its
    way out that did not succeed. With podReplacementPolicy Failed a deleted pod counts once its
    kubelet reports it Failed, or once its grace period is over (a kubelet that removes the pod
    without reporting a phase must not keep it uncounted forever)."""
    if phase(pod) == "Failed":
        return True
    if phase(pod) == "Succeeded" or not is_terminating(pod):
        return False
    if not only_replace_failed(job):
        return True
    return timestamps.parse(meta(pod)["deletionTimestamp"]) <= now


def seconds_until_grace_over(pod: Mapping[str, Any], *, now: datetime) -> float | None:
    if not is_terminating(pod) or phase(pod) in TERMINAL_PHASES:
        return None
    return max((timestamps.parse(meta(pod)["deletionTimestamp"]) - now).total_seconds(), 0.0)


def finish_time(pod: Mapping[str, Any]) -> str | None:
    """When the pod's last container finished (for backoff), or None."""
    latest = None
    for status in (pod.get("status") or {}).get("containerStatuses") or []:
        finished = ((status.get("state") or {}).get("terminated") or {}).get("finishedAt")
        if finished and (latest is None or finished > latest):
            latest = finished
    return latest


def restart_count(pod: Mapping[str, Any]) -> int:
    status = pod.get("status") or {}
    entries = [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]
    return sum(int(entry.get("restartCount") or 0) for entry in entries)
