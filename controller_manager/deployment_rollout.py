"""One Deployment sync's working state and the API writes it makes.

    Rollout(deployment copy, its claimed ReplicaSets, their pods)
        new_and_old(create)  ──► find / create `<deploy>-<hash>`, keep revision annotations right
        scale_rs(rs, n)      ──► PUT the ReplicaSet (resourceVersion CAS) + ScalingReplicaSet event
        cleanup()            ──► delete old ReplicaSets beyond revisionHistoryLimit
        sync_status() / sync_rollout_status() ──► merge PATCH of /status when it changed

Every write replaces the object in this working state, so later steps of the same
sync compute from what the apiserver now holds, never from the stale cache copy.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from controller_manager import deployment_status as conditions
from controller_manager.deployment_revisions import (
    HASH_LABEL,
    REVISION,
    annotations,
    find_new,
    history_to_delete,
    max_revision,
    revision_of,
    set_new_rs_annotations,
    set_replicas_annotations,
    template_hash,
    templates_equal,
)
from controller_manager.ownership import is_controlled_by, meta, new_controller_ref, uid_of
from controller_manager.rollout_limits import (
    desired_replicas,
    max_surge,
    new_rs_replicas,
    pods_possibly_running,
    spec_replicas,
)
from kubemini.api.pods import is_active
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import AlreadyExists, ApiError, NotFound
from kubemini.client.events import NORMAL

DEPLOYMENT = by_kind("Deployment")
REPLICASET = by_kind("ReplicaSet")

Obj = dict[str, Any]
Emit = Callable[[Mapping[str, Any], str, str, str], None]


class Rollout:
    def __init__(
        self,
        client: ApiClient,
        deployment: Obj,
        replicasets: list[Mapping[str, Any]],
        *,
        pods_by_rs: Mapping[str, list[Mapping[str, Any]]],
        emit: Emit,
    ):
        self.client = client
        self.d = deployment
        self.pods_by_rs = pods_by_rs
        self.emit = emit
        self.by_uid: dict[str, Mapping[str, Any]] = {uid_of(rs): rs for rs in replicasets}
        self.new_uid: str | None = None
        self.requeue_after: float | None = None

    # -- views ----------------------------------------------------------------------------------

    @property
    def name(self) -> str:
        return meta(self.d)["name"]

    @property
    def namespace(self) -> str:
        return meta(self.d)["namespace"]

    @property
    def new_rs(self) -> Mapping[str, Any] | None:
        return self.by_uid.get(self.new_uid) if self.new_uid else None

    @property
    def old_rss(self) -> list[Mapping[str, Any]]:
        return [rs for uid, rs in self.by_uid.items() if uid != self.new_uid]

    @property
    def all_rss(self) -> list[Mapping[str, Any]]:
        return list(self.by_uid.values())

    def current(self, rs: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.by_uid.get(uid_of(rs), rs)

    def active_pods(self, rs: Mapping[str, Any]) -> int:
        return sum(1 for pod in self.pods_by_rs.get(uid_of(rs), []) if is_active(pod))

    def pods_possibly_running(self) -> int:
        return sum(pods_possibly_running(rs, observed_pods=self.active_pods(rs)) for rs in self.all_rss)

    def old_pods_running(self) -> bool:
        """Any pod of an old ReplicaSet still around (terminating ones included): Recreate waits."""
        if sum(int((rs.get("status") or {}).get("replicas") or 0) for rs in self.old_rss) > 0:
            return True
        for uid, pods in self.pods_by_rs.items():
            if uid == self.new_uid:
                continue
            if any(((pod.get("status") or {}).get("phase")) not in ("Succeeded", "Failed") for pod in pods):
                return True
        return False

    def _remember(self, rs: Mapping[str, Any]) -> Mapping[str, Any]:
        self.by_uid[uid_of(rs)] = rs
        return rs

    # -- the new ReplicaSet and revisions --------------------------------------------------------

    async def new_and_old(self, *, create: bool) -> Mapping[str, Any] | None:
        """Find (or create) the new ReplicaSet and bring revision annotations up to date."""
        existing = find_new(self.d, self.all_rss)
        self.new_uid = uid_of(existing) if existing is not None else None
        new_revision = max_revision(self.old_rss) + 1
        if existing is not None:
            return await self._sync_existing(existing, new_revision)
        if not create:
            return None
        return await self._create_new(new_revision)

    def _max_replicas(self) -> int:
        return desired_replicas(self.d) + max_surge(self.d)

    async def _sync_existing(self, existing: Mapping[str, Any], new_revision: int) -> Mapping[str, Any]:
        rs = copy.deepcopy(dict(existing))
        changed = set_new_rs_annotations(
            self.d, rs, new_revision=new_revision, exists=True, max_replicas=self._max_replicas()
        )
        min_ready = int((self.d.get("spec") or {}).get("minReadySeconds") or 0)
        if changed or int(rs["spec"].get("minReadySeconds") or 0) != min_ready:
            rs["spec"]["minReadySeconds"] = min_ready
            return self._remember(await self.client.update(REPLICASET, rs))
        await self._set_revision(revision_of(rs))
        status = self.d.setdefault("status", {})
        if (
            conditions.has_progress_deadline(self.d)
            and conditions.get_condition(status, conditions.PROGRESSING) is None
        ):
            message = f'Found new replica set "{meta(rs)["name"]}"'
            wanted = copy.deepcopy(status)
            conditions.set_condition(
                wanted, conditions.new_condition(conditions.PROGRESSING, "True", conditions.FOUND_NEW_RS, message)
            )
            await self.write_status(wanted)
        return existing

    async def _set_revision(self, revision: int) -> None:
        if str(revision) == annotations(self.d).get(REVISION) or revision <= 0:
            return
        patch = {"metadata": {"annotations": {REVISION: str(revision)}}}
        updated = await self.client.patch(DEPLOYMENT, self.name, patch, namespace=self.namespace)
        self.d.setdefault("metadata", {}).setdefault("annotations", {})[REVISION] = str(revision)
        self.d["metadata"]["resourceVersion"] = meta(updated).get("resourceVersion")

    def _new_rs_body(self) -> Obj:
        spec = self.d.get("spec") or {}
        template = copy.deepcopy(spec.get("template") or {})
        collisions = (self.d.get("status") or {}).get("collisionCount")
        hash_value = template_hash(template, collisions)
        template.setdefault("metadata", {}).setdefault("labels", {})[HASH_LABEL] = hash_value
        selector = copy.deepcopy(spec.get("selector") or {})
        selector.setdefault("matchLabels", {})[HASH_LABEL] = hash_value
        return {
            "apiVersion": REPLICASET.api_version,
            "kind": REPLICASET.kind,
            "metadata": {
                "name": f"{self.name}-{hash_value}",
                "namespace": self.namespace,
                "labels": dict(template["metadata"]["labels"]),
                "ownerReferences": [new_controller_ref(self.d)],
            },
            "spec": {
                "replicas": 0,
                "minReadySeconds": int(spec.get("minReadySeconds") or 0),
                "selector": selector,
                "template": template,
            },
        }

    async def _create_new(self, new_revision: int) -> Mapping[str, Any]:
        body = self._new_rs_body()
        body["spec"]["replicas"] = new_rs_replicas(self.d, new_rs=body, current_pods=self.pods_possibly_running())
        set_new_rs_annotations(self.d, body, new_revision=new_revision, exists=False, max_replicas=self._max_replicas())
        created_now = True
        try:
            created = await self.client.create(REPLICASET, body, namespace=self.namespace)
        except AlreadyExists:
            created = await self._existing_namesake(body)
            created_now = False
        except ApiError as error:
            if conditions.has_progress_deadline(self.d):
                wanted = copy.deepcopy(self.d.get("status") or {})
                message = f'Failed to create new replica set "{meta(body)["name"]}": {error.message}'
                conditions.set_condition(
                    wanted,
                    conditions.new_condition(conditions.PROGRESSING, "False", conditions.FAILED_RS_CREATE, message),
                )
                await self.write_status(wanted)
            raise
        self._remember(created)
        self.new_uid = uid_of(created)
        size = spec_replicas(created)
        if created_now and size > 0:
            self.emit(
                self.d, NORMAL, "ScalingReplicaSet", f"Scaled up replica set {meta(created)['name']} to {size} from 0"
            )
        await self._set_revision(new_revision)
        if created_now and conditions.has_progress_deadline(self.d):
            wanted = copy.deepcopy(self.d.get("status") or {})
            message = f'Created new replica set "{meta(created)["name"]}"'
            conditions.set_condition(
                wanted, conditions.new_condition(conditions.PROGRESSING, "True", conditions.NEW_RS_CREATED, message)
            )
            await self.write_status(wanted)
        return created

    async def _existing_namesake(self, body: Obj) -> Mapping[str, Any]:
        """The name is taken: ours already (a lagging cache) or a hash collision (bump collisionCount)."""
        try:
            live = await self.client.get(REPLICASET, meta(body)["name"], namespace=self.namespace)
        except NotFound:
            raise ApiError({"code": 409, "reason": "Conflict", "message": "replica set vanished; retrying"}) from None
        template = (self.d.get("spec") or {}).get("template")
        if is_controlled_by(live, self.d) and templates_equal((live.get("spec") or {}).get("template"), template):
            return live
        wanted = copy.deepcopy(self.d.get("status") or {})
        wanted["collisionCount"] = int(wanted.get("collisionCount") or 0) + 1
        await self.write_status(wanted)
        raise ApiError({"code": 409, "reason": "AlreadyExists", "message": f"hash collision on {meta(body)['name']}"})

    # -- scaling --------------------------------------------------------------------------------

    async def scale_rs(self, rs: Mapping[str, Any], size: int) -> bool:
        """Set size and replica annotations; True when the size changed."""
        rs = self.current(rs)
        old_size = spec_replicas(rs)
        updated = copy.deepcopy(dict(rs))
        annotations_changed = set_replicas_annotations(
            updated, desired=desired_replicas(self.d), maximum=self._max_replicas()
        )
        if old_size == size and not annotations_changed:
            return False
        updated["spec"]["replicas"] = size
        self._remember(await self.client.update(REPLICASET, updated))
        if old_size != size:
            direction = "up" if size > old_size else "down"
            message = f"Scaled {direction} replica set {meta(rs)['name']} to {size} from {old_size}"
            self.emit(self.d, NORMAL, "ScalingReplicaSet", message)
        return old_size != size

    async def scale_rs_if_needed(self, rs: Mapping[str, Any], size: int) -> bool:
        if spec_replicas(self.current(rs)) == size:
            return False
        return await self.scale_rs(rs, size)

    async def cleanup(self) -> None:
        limit = (self.d.get("spec") or {}).get("revisionHistoryLimit")
        if limit is None or int(limit) == conditions.NO_DEADLINE:
            return
        for rs in history_to_delete(self.old_rss, limit=int(limit)):
            try:
                await self.client.delete(
                    REPLICASET, meta(rs)["name"], namespace=self.namespace, preconditions={"uid": uid_of(rs)}
                )
            except NotFound:
                pass
            self.by_uid.pop(uid_of(rs), None)

    # -- status ---------------------------------------------------------------------------------

    async def write_status(self, status: Obj) -> None:
        if not conditions.status_differs(self.d.get("status"), status):
            return
        await self.client.patch(
            DEPLOYMENT, self.name, {"status": status}, namespace=self.namespace, subresource="status"
        )
        self.d["status"] = status

    async def sync_status(self) -> None:
        """Counts and Available only; used while paused, scaling, or deleting (no progress verdict)."""
        await self.write_status(conditions.calculate_status(self.d, self.all_rss, self.new_rs))

    async def sync_rollout_status(self) -> None:
        status, wait = conditions.rollout_status(self.d, self.all_rss, self.new_rs)
        await self.write_status(status)
        self.requeue_after = wait

    async def sync_paused_condition(self) -> None:
        status = conditions.with_pause_condition(self.d)
        if status is not None:
            await self.write_status(status)
