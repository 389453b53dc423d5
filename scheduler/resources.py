"""What a pod takes from a node: resource requests, scoring requests and host ports.

    pod spec ──► requests: the larger of (sum over app containers + sidecars) and the
             │   peak of any one init container (plus the sidecars started before it),
             │   plus spec.overhead, exactly as Kubernetes' PodRequests computes them
             ├─► scoring requests: the same, but a container without a cpu / memory request
             │   counts as 100m / 200Mi, so best-effort pods still spread instead of piling up
             └─► host ports: (protocol, hostPort, hostIP) of every container port with a hostPort

`PodUsage` is what the cache charges to a node for a pod; it is computed once per
pod version and shared between the cache and the scheduling cycle. It remembers the
parts of the pod it was computed from (`usage_inputs`), so a later version that
changed none of them (the binding, every status write) reuses it instead of parsing
every quantity again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemini.api.quantity import QuantityError, cpu_millis, to_bytes

CPU = "cpu"
MEMORY = "memory"
PODS = "pods"
# kube-scheduler's DefaultMilliCPURequest / DefaultMemoryRequest, used only for scoring.
DEFAULT_SCORING_CPU_MILLIS = 100
DEFAULT_SCORING_MEMORY_BYTES = 200 * 1024 * 1024
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
WILDCARD_HOST_IP = "0.0.0.0"

log = logging.getLogger(__name__)

Amounts = dict[str, int]


def resource_amount(name: str, value: Any) -> int:
    """A quantity in the unit the scheduler compares: millicores for cpu, plain units otherwise."""
    try:
        return cpu_millis(value) if name == CPU else to_bytes(value)
    except (QuantityError, TypeError, ValueError):
        # The apiserver validates quantities; a malformed one left over is charged as nothing.
        log.warning("ignoring malformed %s quantity %r", name, value)
        return 0


def amounts_of(resources: Mapping[str, Any] | None) -> Amounts:
    return {name: resource_amount(name, value) for name, value in (resources or {}).items()}


def _add(total: Amounts, extra: Mapping[str, int]) -> None:
    for name, value in extra.items():
        total[name] = total.get(name, 0) + value


def _max_into(peak: Amounts, candidate: Mapping[str, int]) -> None:
    for name, value in candidate.items():
        if value > peak.get(name, 0):
            peak[name] = value


def _container_requests(container: Mapping[str, Any], *, scoring: bool) -> Amounts:
    requested = amounts_of((container.get("resources") or {}).get("requests"))
    if scoring:
        # Zero is an explicit choice in Kubernetes too: only a missing request gets the default.
        requested.setdefault(CPU, DEFAULT_SCORING_CPU_MILLIS)
        requested.setdefault(MEMORY, DEFAULT_SCORING_MEMORY_BYTES)
    return requested


def pod_requests(spec: Mapping[str, Any], *, scoring: bool = False) -> Amounts:
    """Requests of the whole pod: app containers summed, init containers as a peak."""
    total: Amounts = {}
    for container in spec.get("containers") or []:
        _add(total, _container_requests(container, scoring=scoring))
    sidecars: Amounts = {}
    init_peak: Amounts = {}
    for container in spec.get("initContainers") or []:
        requested = _container_requests(container, scoring=scoring)
        if container.get("restartPolicy") == "Always":
            # A sidecar keeps running beside the app containers: it adds to the sum.
            _add(total, requested)
            _add(sidecars, requested)
            _max_into(init_peak, sidecars)
        else:
            # A plain init container runs alone, beside only the sidecars started before it.
            running = dict(requested)
            _add(running, sidecars)
            _max_into(init_peak, running)
    _max_into(total, init_peak)
    _add(total, amounts_of(spec.get("overhead")))
    return total


def host_ports(spec: Mapping[str, Any]) -> tuple[tuple[str, int, str], ...]:
    """(protocol, hostPort, hostIP) of every port that claims a port on the node."""
    claimed = []
    for container in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for port in container.get("ports") or []:
            number = port.get("hostPort") or 0
            if isinstance(number, int) and number > 0:
                claimed.append((port.get("protocol") or "TCP", number, port.get("hostIP") or WILDCARD_HOST_IP))
    return tuple(claimed)


def ports_conflict(wanted: Iterable[tuple[str, int, str]], used: Iterable[tuple[str, int, str]]) -> bool:
    """Same protocol and port, and the same address or either side on every address."""
    used = tuple(used)
    for protocol, number, address in wanted:
        for used_protocol, used_number, used_address in used:
            if protocol == used_protocol and number == used_number:
                if address == used_address or WILDCARD_HOST_IP in (address, used_address):
                    return True
    return False


def controller_owner_uid(metadata: Mapping[str, Any]) -> str:
    for owner in metadata.get("ownerReferences") or []:
        if owner.get("controller") and owner.get("uid"):
            return str(owner["uid"])
    return ""


def is_terminal(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in TERMINAL_PHASES


@dataclass(slots=True)
class PodUsage:
    """What one pod costs the node it runs on (or is assumed on)."""

    key: str
    uid: str
    cpu_millis: int = 0
    memory_bytes: int = 0
    scalars: Amounts = field(default_factory=dict)
    scoring_cpu_millis: int = 0
    scoring_memory_bytes: int = 0
    ports: tuple[tuple[str, int, str], ...] = ()
    owner_uid: str = ""
    inputs: tuple[Any, ...] = field(default=(), compare=False, repr=False)


def usage_inputs(pod: Mapping[str, Any]) -> tuple[Any, ...]:
    """Everything pod_usage reads: two pods with equal inputs have equal usage."""
    metadata, spec = pod.get("metadata") or {}, pod.get("spec") or {}
    return (
        metadata.get("namespace"),
        metadata.get("name"),
        metadata.get("uid"),
        metadata.get("ownerReferences"),
        spec.get("containers"),
        spec.get("initContainers"),
        spec.get("overhead"),
    )


def reuse_or_compute(pod: Mapping[str, Any], previous: PodUsage | None) -> PodUsage:
    """`previous` when the pod changed nothing it was computed from, else a fresh pod_usage."""
    if previous is not None and previous.inputs:
        inputs = usage_inputs(pod)
        if inputs == previous.inputs:
            previous.inputs = inputs  # the newer version's objects: the older version can be freed
            return previous
    return pod_usage(pod)


def pod_key(pod: Mapping[str, Any]) -> str:
    """namespace/name, or the name alone for a pod without a namespace."""
    metadata = pod.get("metadata") or {}
    namespace = metadata.get("namespace") or ""
    return f"{namespace}/{metadata.get('name')}" if namespace else str(metadata.get("name"))


def pod_usage(pod: Mapping[str, Any]) -> PodUsage:
    metadata = pod.get("metadata") or {}
    spec = pod.get("spec") or {}
    requested = pod_requests(spec)
    scoring = pod_requests(spec, scoring=True)
    cpu = requested.pop(CPU, 0)
    memory = requested.pop(MEMORY, 0)
    requested.pop(PODS, None)
    return PodUsage(
        key=pod_key(pod),
        uid=str(metadata.get("uid") or ""),
        cpu_millis=cpu,
        memory_bytes=memory,
        scalars={name: value for name, value in requested.items() if value},
        scoring_cpu_millis=scoring.get(CPU, 0),
        scoring_memory_bytes=scoring.get(MEMORY, 0),
        ports=host_ports(spec),
        owner_uid=controller_owner_uid(metadata),
        inputs=usage_inputs(pod),
    )
