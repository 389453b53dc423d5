"""Disruption controller ("disruption"): each PodDisruptionBudget's status, which the eviction API spends.

PDB events ──► its key;  Pod events ──► keys of the PDBs in its namespace selecting it (old or new labels)
reconcile(key), from the stores:
    pods = the ones its selector picks (kubemini.api.disruption.selects)
    expectedPods, desiredHealthy:
        minAvailable N          ──► N of the pods there are
        minAvailable P%         ──► P% (rounded up) of the controllers' replicas
        maxUnavailable N or P%  ──► the controllers' replicas minus N (P% rounded up)
      replicas come from each pod's controller: Deployment (through its ReplicaSet), ReplicaSet,
      ReplicationController, StatefulSet; a pod without one cannot be scaled ──► SyncFailed
    currentHealthy = ready pods not being deleted and not in disruptedPods (evictions the API
      granted; an entry leaves when its pod is deleted, or after 2 minutes with a NotDeleted warning)
    disruptionsAllowed = max(currentHealthy - desiredHealthy, 0), 0 while no pod is expected
    ──► PUT status with the resourceVersion read: an eviction spent meanwhile makes it 409, and
        the next sync recounts instead of handing the disruption out twice
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from controller_manager.ownership import controller_ref, meta, uid_of
from kubemini.api import disruption, timestamps
from kubemini.api.int_or_percent import is_percent, scaled_value
from kubemini.api.pods import is_terminating
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

PDB, POD = by_kind("PodDisruptionBudget"), by_kind("Pod")
SCALABLE = ("Deployment", "ReplicaSet", "ReplicationController", "StatefulSet")
DELETION_TIMEOUT_SECONDS = 120.0

Obj = dict[str, Any]


class NoController(Exception):
    pass


class DisruptionController(ClientController):
    name = "disruption"
    default_workers = 2

    def setup(self, informers: SharedInformers) -> None:
        self.budgets = self.add_informer(informers.informer(PDB))
        self.pods = self.add_informer(informers.informer(POD), key_for=self._budgets_of)
        self.scalables = {kind: self.watch(informers.informer(by_kind(kind))) for kind in SCALABLE}

    def _budgets_of(self, pod: Mapping[str, Any]) -> list[str]:
        namespace = meta(pod).get("namespace") or ""
        return [
            object_key(pdb) for pdb in self.budgets.by_index("namespace", namespace) if disruption.selects(pdb, pod)
        ]

    # -- expected scale -------------------------------------------------------------------------

    def _controller_of(self, namespace: str, ref: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if ref is None or ref.get("kind") not in SCALABLE:
            return None
        owner = self.scalables[ref["kind"]].get(f"{namespace}/{ref.get('name')}")
        if owner is None or uid_of(owner) != ref.get("uid"):
            return None
        if owner.get("kind", ref["kind"]) == "ReplicaSet":
            parent = self._controller_of(namespace, controller_ref(owner))
            if parent is not None:
                return parent  # a Deployment's ReplicaSet: the Deployment says how many
        return owner

    def expected_scale(self, pods: list[Mapping[str, Any]]) -> int:
        scales: dict[str, int] = {}
        for pod in pods:
            owner = self._controller_of(meta(pod).get("namespace") or "", controller_ref(pod))
            if owner is None:
                raise NoController(f"found no controllers for pod {meta(pod).get('name')!r}")
            scales[uid_of(owner)] = int((owner.get("spec") or {}).get("replicas", 1) or 0)
        return sum(scales.values())

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        cached = self.budgets.get(key)
        if cached is None:
            return None
        pdb = copy.deepcopy(cached)
        namespace = meta(pdb).get("namespace") or ""
        pods = [p for p in self.pods.by_index("namespace", namespace) if disruption.selects(pdb, p)]
        now = datetime.now(UTC)
        status = dict(pdb.get("status") or {})
        try:
            expected, desired = self._expected_and_desired(pdb, pods)
        except NoController as error:
            self.emit(
                pdb,
                WARNING,
                "CalculateExpectedPodCountFailed",
                f"Failed to calculate the number of expected pods: {error}",
            )
            status.update(disruptionsAllowed=0, observedGeneration=int(meta(pdb).get("generation") or 0))
            status["conditions"] = _condition(status, False, "SyncFailed", str(error))
            return await self._write(pdb, status)
        disrupted, recheck = self._disrupted(pdb, pods, now=now)
        healthy = sum(1 for p in pods if disruption.is_healthy(p) and meta(p).get("name") not in disrupted)
        allowed = healthy - desired if expected > 0 else 0
        allowed = max(allowed, 0)
        status.update(
            currentHealthy=healthy,
            desiredHealthy=desired,
            expectedPods=expected,
            disruptionsAllowed=allowed,
            disruptedPods=disrupted or None,
            observedGeneration=int(meta(pdb).get("generation") or 0),
        )
        if not disrupted:
            status.pop("disruptedPods")
        reason = "SufficientPods" if allowed > 0 else "InsufficientPods"
        status["conditions"] = _condition(status, allowed > 0, reason, "")
        result = await self._write(pdb, status)
        if result is None and recheck is not None:
            return Result(requeue_after=max(recheck, 0.0))
        return result

    def _expected_and_desired(self, pdb: Mapping[str, Any], pods: list[Mapping[str, Any]]) -> tuple[int, int]:
        spec = pdb.get("spec") or {}
        if spec.get("maxUnavailable") is not None:
            expected = self.expected_scale(pods)
            unavailable = scaled_value(spec["maxUnavailable"], expected, round_up=True)
            return expected, max(expected - unavailable, 0)
        minimum = spec.get("minAvailable")
        if minimum is None:
            minimum = 1  # policy/v1 defaults an empty budget to minAvailable 1
        if is_percent(minimum):
            expected = self.expected_scale(pods)
            return expected, scaled_value(minimum, expected, round_up=True)
        return len(pods), int(minimum)

    def _disrupted(
        self, pdb: Mapping[str, Any], pods: list[Mapping[str, Any]], *, now: datetime
    ) -> tuple[dict, float | None]:
        """Evictions still expected to happen, and when the first of them expires."""
        granted = (pdb.get("status") or {}).get("disruptedPods") or {}
        alive = {meta(p).get("name"): p for p in pods if not is_terminating(p)}
        kept, recheck = {}, None
        for name, stamp in granted.items():
            if name not in alive:
                continue  # deleted (or on its way out): no longer counted healthy anyway
            expires = timestamps.parse(stamp) + timedelta(seconds=DELETION_TIMEOUT_SECONDS)
            if expires <= now:
                self.emit(alive[name], WARNING, "NotDeleted", "Pod was expected by PDB to be deleted but it wasn't")
                continue
            kept[name] = stamp
            left = (expires - now).total_seconds()
            recheck = left if recheck is None else min(recheck, left)
        return kept, recheck

    async def _write(self, pdb: Obj, status: Obj) -> Result | None:
        if status == (pdb.get("status") or {}):
            return None
        try:
            await self.client.update_status(PDB, {**pdb, "status": status})
        except Conflict:
            return Result(requeue=True)  # an eviction spent from this budget meanwhile: recount
        except NotFound:
            return None
        return None


def _condition(status: Mapping[str, Any], allowed: bool, reason: str, message: str) -> list[Obj]:
    previous = next((c for c in status.get("conditions") or [] if c.get("type") == disruption.DISRUPTION_ALLOWED), None)
    value = "True" if allowed else "False"
    stamp = previous["lastTransitionTime"] if previous and previous.get("status") == value else timestamps.now()
    kept = [dict(c) for c in status.get("conditions") or [] if c.get("type") != disruption.DISRUPTION_ALLOWED]
    entry = {"type": disruption.DISRUPTION_ALLOWED, "status": value, "reason": reason, "message": message,
             "lastTransitionTime": stamp, "observedGeneration": status.get("observedGeneration", 0)}  # fmt: skip
    return [*kept, entry]
