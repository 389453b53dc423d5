"""podFailurePolicy and successPolicy: which rule a failed pod or a set of succeeded indexes matches.

    failed pod ──pod_failure_action(job, pod)──► (action, message): FailJob / FailIndex / Ignore / Count,
        or (None, None) when no rule matches (the pod counts against backoffLimit as usual)
        rules in order, first match wins; onExitCodes looks at terminated containers with a
        non-zero code (init containers first), onPodConditions at the pod's conditions
    succeeded indexes ──success_policy_match(job, indexes)──► "Matched rules at index i" or None

Kubernetes' matchPodFailurePolicy and matchSuccessPolicy, with their messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from controller_manager.job.indexes import parse_indexes
from controller_manager.ownership import meta

FAIL_JOB, FAIL_INDEX, IGNORE, COUNT = "FailJob", "FailIndex", "Ignore", "Count"


def _terminated_with_code(pod: Mapping[str, Any], requirement: Mapping[str, Any]) -> Mapping[str, Any] | None:
    status = pod.get("status") or {}
    wanted = {int(v) for v in requirement.get("values") or []}
    operator = requirement.get("operator")
    for container in [*(status.get("initContainerStatuses") or []), *(status.get("containerStatuses") or [])]:
        terminated = (container.get("state") or {}).get("terminated")
        if not terminated:
            continue
        if requirement.get("containerName") and requirement["containerName"] != container.get("name"):
            continue
        code = int(terminated.get("exitCode") or 0)
        if code == 0:
            continue
        if (operator == "In" and code in wanted) or (operator == "NotIn" and code not in wanted):
            return container
    return None


def _matching_condition(pod: Mapping[str, Any], patterns: list[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        for pattern in patterns:
            if condition.get("type") == pattern.get("type") and condition.get("status") == (
                pattern.get("status") or "True"
            ):
                return condition
    return None


def pod_failure_action(job: Mapping[str, Any], pod: Mapping[str, Any]) -> tuple[str | None, str | None]:
    policy = (job.get("spec") or {}).get("podFailurePolicy") or {}
    per_index = (job.get("spec") or {}).get("backoffLimitPerIndex") is not None
    pod_name = f"{meta(pod).get('namespace')}/{meta(pod).get('name')}"
    for number, rule in enumerate(policy.get("rules") or []):
        action = rule.get("action")
        if action == FAIL_INDEX and not per_index:
            continue  # FailIndex only means something with backoffLimitPerIndex
        if rule.get("onExitCodes"):
            container = _terminated_with_code(pod, rule["onExitCodes"])
            if container is None:
                continue
            code = ((container.get("state") or {}).get("terminated") or {}).get("exitCode")
            message = (
                f"Container {container.get('name')} for pod {pod_name} failed with exit code {code} "
                f"matching {action} rule at index {number}"
            )
            return action, message
        if rule.get("onPodConditions"):
            condition = _matching_condition(pod, rule["onPodConditions"])
            if condition is None:
                continue
            message = f"Pod {pod_name} has condition {condition.get('type')} matching {action} rule at index {number}"
            return action, message
    return None, None


def success_policy_match(job: Mapping[str, Any], succeeded: set[int]) -> str | None:
    spec = job.get("spec") or {}
    completions = int(spec.get("completions") or 0)
    for number, rule in enumerate((spec.get("successPolicy") or {}).get("rules") or []):
        count = rule.get("succeededCount")
        if rule.get("succeededIndexes") is not None:
            required = parse_indexes(rule["succeededIndexes"], completions)
            matched = len(required & succeeded)
            if (count is None and matched == len(required)) or (count is not None and matched >= count):
                return f"Matched rules at index {number}"
        elif count is not None and len(succeeded) >= count:
            return f"Matched rules at index {number}"
    return None
