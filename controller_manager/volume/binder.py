"""PersistentVolume binder ("persistentvolume-binder"): claims bound to volumes, phases, reclaim, provisioning.

Claim events ──► `claim/<ns>/<name>` (+ its volume's key);  Volume events ──► `volume/<name>` + its
    claim's key, or every unbound claim when it is Available and free;  StorageClass events ──► unbound claims
reconcile(claim)  ──► planning.plan_claim ──► BIND: volume claimRef (PUT) → volume Bound (status)
                      → claim volumeName + bind-completed (PUT) → claim Bound, capacity, modes (status)
                  ──► PROVISION: PV `pvc-<uid>` pre-bound to the claim (local_path.provisioned_volume);
                      its event brings us back to BIND  ──► PENDING / LOST: status phase + an Event
reconcile(volume) ──► planning.plan_volume ──► phase Available / Bound / Released / Failed;
                      Released + Delete + provisioned here ──► DELETE the PV (its kubelet removes the dir)
A claim missing from the cache is looked up live before its volume is released: a lagging cache
must never release (and with Delete, destroy) a volume whose claim still exists.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from controller_manager.volume import planning
from kubemini.api import local_path, timestamps
from kubemini.api.persistent_volumes import (
    BIND_COMPLETED_ANNOTATION,
    BOUND_BY_CONTROLLER_ANNOTATION,
    claim_class,
    claim_ref_key,
)
from kubemini.api.registry import by_kind
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import AlreadyExists, Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers

PV, PVC = by_kind("PersistentVolume"), by_kind("PersistentVolumeClaim")
STORAGE_CLASS, NODE = by_kind("StorageClass"), by_kind("Node")
CLAIM, VOLUME = "claim", "volume"
# A claim that cannot be provisioned yet (no Ready node, its node not registered) looks again this
# often: nodes' heartbeats are not watched here, so nothing else would wake it.
PROVISION_RETRY_SECONDS = 5.0

Obj = dict[str, Any]


def _meta(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


class PersistentVolumeBinder(ClientController):
    name = "persistentvolume-binder"
    default_workers = 2

    def setup(self, informers: SharedInformers) -> None:
        self.claims = self.add_informer(informers.informer(PVC), key_for=self._claim_keys)
        self.volumes = self.add_informer(informers.informer(PV), key_for=self._volume_keys)
        self.classes = self.add_informer(informers.informer(STORAGE_CLASS), key_for=lambda _: self._unbound_claims())
        self.nodes = self.watch(informers.informer(NODE))

    # -- keys -------------------------------------------------------------------------------

    def _claim_keys(self, claim: Mapping[str, Any]) -> list[str]:
        meta = _meta(claim)
        keys = [f"{CLAIM}/{meta.get('namespace')}/{meta.get('name')}"]
        if (claim.get("spec") or {}).get("volumeName"):
            keys.append(f"{VOLUME}/{claim['spec']['volumeName']}")
        return keys

    def _volume_keys(self, volume: Mapping[str, Any]) -> list[str]:
        keys = [f"{VOLUME}/{_meta(volume).get('name')}"]
        ref = claim_ref_key(volume)
        if ref is not None:
            return [*keys, f"{CLAIM}/{ref}"]
        if (volume.get("status") or {}).get("phase") == "Available":
            keys += self._unbound_claims()  # a free volume may fit any waiting claim
        return keys

    def _unbound_claims(self) -> list[str]:
        return [
            f"{CLAIM}/{_meta(c).get('namespace')}/{_meta(c).get('name')}"
            for c in self.claims.list()
            if not (c.get("spec") or {}).get("volumeName")
        ]

    # -- reconcile --------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        kind, _, name = key.partition("/")
        try:
            if kind == CLAIM:
                return await self._sync_claim(name)
            return await self._sync_volume(name)
        except Conflict:
            return Result(requeue=True)  # a newer object is on its way: decide again on it
        except NotFound:
            return None

    async def _sync_claim(self, key: str) -> Result | None:
        cached = self.claims.get(key)
        if cached is None:
            return None
        volumes = {str(_meta(v).get("name")): v for v in self.volumes.list()}
        wanted = claim_class(cached)
        storage_class = self.classes.get(wanted) if wanted else None
        plan = planning.plan_claim(cached, volumes, storage_class, self.nodes.list())
        if plan.event is not None:
            self.emit(cached, *plan.event)
        claim = copy.deepcopy(cached)
        if plan.action == planning.BIND:
            assert plan.volume is not None
            await self._bind(claim, copy.deepcopy(dict(plan.volume)))
        elif plan.action == planning.PROVISION:
            assert plan.node is not None and storage_class is not None
            await self._provision(claim, storage_class, plan.node)
        elif plan.action in (planning.PENDING, planning.LOST):
            await self._set_claim_phase(claim, "Pending" if plan.action == planning.PENDING else "Lost")
            if plan.event is not None and plan.event[1] == "ProvisioningFailed" and storage_class is not None:
                return Result(requeue_after=PROVISION_RETRY_SECONDS)
        return None

    async def _bind(self, claim: Obj, volume: Obj) -> None:
        claim_meta, spec = claim["metadata"], volume.setdefault("spec", {})
        ref = spec.get("claimRef") or {}
        if ref.get("uid") != claim_meta["uid"]:
            if not ref:
                volume["metadata"].setdefault("annotations", {})[BOUND_BY_CONTROLLER_ANNOTATION] = "yes"
            spec["claimRef"] = {
                "kind": "PersistentVolumeClaim",
                "apiVersion": "v1",
                "namespace": claim_meta["namespace"],
                "name": claim_meta["name"],
                "uid": claim_meta["uid"],
                "resourceVersion": claim_meta.get("resourceVersion"),
            }
            volume = await self.client.update(PV, volume)
        await self._set_volume_phase(volume, "Bound")
        annotations = claim_meta.setdefault("annotations", {})
        if claim["spec"].get("volumeName") != volume["metadata"]["name"] or not annotations.get(
            BIND_COMPLETED_ANNOTATION
        ):
            if not claim["spec"].get("volumeName"):
                annotations[BOUND_BY_CONTROLLER_ANNOTATION] = "yes"
            annotations[BIND_COMPLETED_ANNOTATION] = "yes"
            claim["spec"]["volumeName"] = volume["metadata"]["name"]
            claim = await self.client.update(PVC, claim)
        status = {
            **(claim.get("status") or {}),
            "phase": "Bound",
            "accessModes": list(volume["spec"].get("accessModes") or []),
            "capacity": dict(volume["spec"].get("capacity") or {}),
        }
        if status != claim.get("status"):
            claim["status"] = status
            await self.client.update_status(PVC, claim)

    async def _provision(self, claim: Obj, storage_class: Mapping[str, Any], node: Mapping[str, Any]) -> None:
        node_name = str(_meta(node).get("name"))
        body = local_path.provisioned_volume(
            claim, storage_class, node_name=node_name, base_dir=local_path.node_dir(node)
        )
        key = f"{claim['metadata']['namespace']}/{claim['metadata']['name']}"
        self.emit(claim, "Normal", "Provisioning", f'External provisioner is provisioning volume for claim "{key}"')
        try:
            await self.client.create(PV, body)
        except AlreadyExists:
            return  # made by an earlier try: its watch event brings the binding
        self.emit(
            claim, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {body['metadata']['name']}"
        )

    async def _set_claim_phase(self, claim: Obj, phase: str) -> None:
        if (claim.get("status") or {}).get("phase") == phase:
            return
        claim["status"] = {**(claim.get("status") or {}), "phase": phase}
        await self.client.update_status(PVC, claim)

    async def _set_volume_phase(self, volume: Obj, phase: str, message: str = "") -> Obj:
        status = volume.get("status") or {}
        if status.get("phase") == phase and (status.get("message") or "") == message:
            return volume
        volume["status"] = {"phase": phase, "lastPhaseTransitionTime": timestamps.now()}
        if message:
            volume["status"]["message"] = message
        return await self.client.update_status(PV, volume)

    async def _sync_volume(self, name: str) -> Result | None:
        cached = self.volumes.get(name)
        if cached is None:
            return None
        ref_key = claim_ref_key(cached)
        claim = self.claims.get(ref_key) if ref_key else None
        ref_uid = ((cached.get("spec") or {}).get("claimRef") or {}).get("uid")
        if ref_key and ref_uid and (claim is None or _meta(claim).get("uid") != ref_uid):
            namespace, _, claim_name = ref_key.partition("/")
            try:  # confirm with the apiserver before releasing anything
                claim = await self.client.get(PVC, claim_name, namespace=namespace)
            except NotFound:
                claim = None
        plan = planning.plan_volume(cached, claim)
        volume = copy.deepcopy(cached)
        if plan.action == planning.AVAILABLE:
            await self._set_volume_phase(volume, "Available")
        elif plan.action == planning.BOUND:
            await self._set_volume_phase(volume, "Bound")
        elif plan.action == planning.WAIT_FOR_CLAIM and ref_key:
            self.enqueue(f"{CLAIM}/{ref_key}")
        elif plan.action == planning.RELEASED:
            await self._set_volume_phase(volume, "Released")
        elif plan.action == planning.DELETE:
            await self.client.delete(PV, name)
        elif plan.action == planning.FAILED:
            self.emit(cached, "Warning", "VolumeFailedDelete", plan.message)
            await self._set_volume_phase(volume, "Failed", plan.message)
        return None
