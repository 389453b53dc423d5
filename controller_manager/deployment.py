"""Deployment controller: roll each Deployment's pods from old ReplicaSets to the one matching its template.

Deployment events ──► its key
ReplicaSet events ──► key of the controlling Deployment (orphans: every Deployment whose selector matches)
Pod deletions ──► key of the Deployment owning the pod's ReplicaSet (Recreate waits for them)
                    │
sync(key) ◄─────────┘ reads the Deployment, ReplicaSets and pods from the stores
    claim ReplicaSets (adopt / release by selector)
    being deleted ──► status only
    paused ──► Progressing=Unknown DeploymentPaused; sizes follow spec.replicas; no rollout
    replicas changed ──► proportional scaling across active ReplicaSets
    otherwise ──► RollingUpdate or Recreate step (deployment_strategies), then status + progress
    progress deadline pending ──► look again when it would expire
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from controller_manager import deployment_strategies as strategies
from controller_manager.deployment_rollout import Rollout
from controller_manager.ownership import claim_matching, controller_ref, meta, uid_of
from controller_manager.rollout_limits import is_rolling_update
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, labels_match, selector_from_label_selector
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.events import WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

DEPLOYMENT = by_kind("Deployment")
REPLICASET = by_kind("ReplicaSet")
POD = by_kind("Pod")

Obj = dict[str, Any]


def _selector(obj: Mapping[str, Any]) -> tuple:
    return selector_from_label_selector((obj.get("spec") or {}).get("selector"))


class DeploymentController(ClientController):
    name = "deployment"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.deployments = self.add_informer(informers.informer(DEPLOYMENT))
        self.replicasets = self.add_informer(informers.informer(REPLICASET), key_for=self._keys_for_replicaset)
        self.pods = self.watch(informers.informer(POD), on_delete=self._pod_deleted)

    # -- handlers -------------------------------------------------------------------------------

    def _keys_for_replicaset(self, rs: Mapping[str, Any]) -> list[str]:
        namespace = meta(rs).get("namespace") or ""
        ref = controller_ref(rs)
        if ref is not None:
            if ref.get("kind") != DEPLOYMENT.kind:
                return []
            return [f"{namespace}/{ref.get('name')}"]
        labels = meta(rs).get("labels") or {}
        keys = []
        for deployment in self.deployments.by_index("namespace", namespace):
            try:
                selector = _selector(deployment)
            except SelectorError:
                continue
            if selector and labels_match(selector, labels):
                keys.append(object_key(deployment))
        return keys

    def _pod_deleted(self, pod: Obj) -> None:
        ref = controller_ref(pod)
        if ref is None or ref.get("kind") != REPLICASET.kind:
            return
        rs = self.replicasets.get(f"{meta(pod).get('namespace')}/{ref.get('name')}")
        if rs is not None and uid_of(rs) == ref.get("uid"):
            for key in self._keys_for_replicaset(rs):
                self.enqueue(key)

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        cached = self.deployments.get(key)
        if cached is None:
            return None
        deployment = copy.deepcopy(cached)
        try:
            selector = _selector(deployment)
        except SelectorError as error:
            raise TerminalError(f"invalid selector: {error}") from error
        if not selector:
            self.emit(
                deployment,
                WARNING,
                "SelectingAll",
                "This deployment is selecting all pods. A non-empty selector is required.",
            )
            raise TerminalError("empty selector")
        try:
            return await self._sync(deployment, selector)
        except Conflict:
            # A ReplicaSet or the Deployment moved under us (status writes never stop): its event
            # is already on the way, so retry quietly with backoff instead of logging a failure.
            return Result(requeue=True)
        except NotFound:
            return None  # the Deployment (or a ReplicaSet) was deleted meanwhile: its event re-drives us

    async def _sync(self, deployment: Obj, selector: tuple) -> Result | None:
        replicasets = await self._claim_replicasets(deployment, selector)
        rollout = Rollout(
            self.client, deployment, replicasets, pods_by_rs=self._pods_by_rs(replicasets), emit=self.emit
        )
        if meta(deployment).get("deletionTimestamp"):
            await rollout.new_and_old(create=False)
            await rollout.sync_status()
            return None
        await rollout.sync_paused_condition()
        if (deployment.get("spec") or {}).get("paused"):
            await self._sync_scaling(rollout)
            return None
        await rollout.new_and_old(create=False)
        if strategies.is_scaling_event(rollout):
            await self._sync_scaling(rollout)
            return None
        if is_rolling_update(deployment):
            await strategies.rolling_update(rollout)
        else:
            await strategies.recreate(rollout)
        return Result(requeue_after=rollout.requeue_after) if rollout.requeue_after is not None else None

    async def _sync_scaling(self, rollout: Rollout) -> None:
        await rollout.new_and_old(create=False)
        await strategies.scale(rollout)
        if (rollout.d.get("spec") or {}).get("paused"):
            await rollout.cleanup()
        await rollout.sync_status()

    async def _claim_replicasets(self, deployment: Obj, selector: tuple) -> list[Mapping[str, Any]]:
        candidates = self.replicasets.by_index("namespace", meta(deployment).get("namespace") or "")
        return await claim_matching(
            self.client, REPLICASET, owner=deployment, owner_rt=DEPLOYMENT, candidates=candidates, selector=selector
        )

    def _pods_by_rs(self, replicasets: list[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
        grouped: dict[str, list[Mapping[str, Any]]] = {}
        for rs in replicasets:
            uid = uid_of(rs)
            grouped[uid] = [
                pod for pod in self.pods.by_index("owner", uid) if (controller_ref(pod) or {}).get("uid") == uid
            ]
        return grouped
