"""StatefulSet controller: pods `<set>-<ordinal>` with stable names, claims and order, rolled by revision.

StatefulSet events ──► its key;  Pod / ControllerRevision events ──► the controlling set's key
reconcile(key), from the stores:
    claim pods (selector) ──► sync ControllerRevisions: the update revision (the template now);
        the current revision = status.currentRevision (what pods below the partition keep)
    planning.plan ──► for each pod to create: its claims first (`<claim>-<set>-<n>`, created when
        missing), then the pod from the current revision's template below the partition, else
        from the update revision's; deletions with the pod's uid as precondition
    scale down with whenScaled Delete ──► the condemned pod becomes its claims' owner, so the
        garbage collector removes them with it
    status: replicas, ready, available, current/updated counts and revisions, observedGeneration;
        all pods updated and ready ──► currentRevision = updateRevision (the rollout is done)
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.history import CONTROLLER_REVISION, History, sync_revisions, template_of, trim_history
from controller_manager.ownership import claim_matching, controller_ref, meta, uid_of
from controller_manager.replicaset_status import seconds_until_next_available
from controller_manager.statefulset import identity, planning
from kubemini.api.pods import is_available, is_ready, is_terminating
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, selector_from_label_selector
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import AlreadyExists, ApiError, Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers

STATEFULSET, POD, PVC = by_kind("StatefulSet"), by_kind("Pod"), by_kind("PersistentVolumeClaim")
AVAILABILITY_SLACK_SECONDS = 0.05

Obj = dict[str, Any]
Pod = Mapping[str, Any]


class StatefulSetController(ClientController):
    name = "statefulset"
    default_workers = 5

    def setup(self, informers: SharedInformers) -> None:
        self.sets = self.add_informer(informers.informer(STATEFULSET))
        self.pods = self.add_informer(informers.informer(POD), key_for=self._owner_key)
        self.revisions = self.add_informer(informers.informer(CONTROLLER_REVISION), key_for=self._owner_key)
        self.claims = self.watch(informers.informer(PVC))

    def _owner_key(self, obj: Mapping[str, Any]) -> str | None:
        ref = controller_ref(obj)
        if ref is None or ref.get("kind") != STATEFULSET.kind:
            return None
        return f"{meta(obj).get('namespace')}/{ref.get('name')}"

    async def reconcile(self, key: str) -> Result | None:
        cached = self.sets.get(key)
        if cached is None:
            return None
        sts = copy.deepcopy(cached)
        try:
            selector = selector_from_label_selector((sts.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(f"invalid selector: {error}") from error
        if not selector:
            raise TerminalError("a StatefulSet needs a non-empty selector")
        try:
            return await self._sync(sts, selector)
        except Conflict:
            return Result(requeue=True)  # a newer object is on its way: decide again on it
        except NotFound:
            return None

    async def _sync(self, sts: Obj, selector: tuple) -> Result | None:
        namespace = meta(sts).get("namespace") or ""
        pods = await claim_matching(
            self.client, POD, owner=sts, owner_rt=STATEFULSET, candidates=self.pods.by_index("namespace", namespace),
            selector=selector,
        )  # fmt: skip
        history = await sync_revisions(self.client, sts, self.revisions.by_index("namespace", namespace))
        update = history.name
        current = (sts.get("status") or {}).get("currentRevision") or update
        templates = {meta(r)["name"]: template_of(r) for r in history.revisions}
        if current not in templates:
            current = update
        now = datetime.now(UTC)
        if not meta(sts).get("deletionTimestamp"):
            plan = planning.plan(sts, pods, update_revision=update, now=now)
            await self._act(sts, plan, current=current, update=update, templates=templates)
        await self._write_status(sts, pods, history, current=current, now=now)
        in_use = {identity.revision_of(p) for p in pods} | {current, update}
        await trim_history(self.client, sts, history, in_use=in_use)
        return self._next_look(sts, pods, now=now)

    def _revision_for(self, sts: Mapping[str, Any], ordinal: int, *, current: str, update: str) -> str:
        strategy = (sts.get("spec") or {}).get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return update
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        return current if ordinal < identity.start_ordinal(sts) + partition else update

    async def _act(self, sts: Obj, plan: planning.Plan, *, current: str, update: str, templates: dict) -> None:
        for pod in plan.condemned:
            await self._hand_claims_to(sts, pod)
        creations = []
        for ordinal in plan.create:
            revision = self._revision_for(sts, ordinal, current=current, update=update)
            template = templates.get(revision) or (sts.get("spec") or {}).get("template") or {}
            creations.append(self._create(sts, ordinal, revision=revision, template=template))
        deletions = [self._delete(sts, pod) for pod in plan.delete]
        results = await asyncio.gather(*creations, *deletions, return_exceptions=True)
        errors = [r for r in results if isinstance(r, BaseException)]
        if errors:
            raise errors[0]

    async def _create(self, sts: Obj, ordinal: int, *, revision: str, template: Mapping[str, Any]) -> None:
        namespace = meta(sts).get("namespace")
        for claim in identity.claims_for(sts, ordinal):
            if self.claims.get(f"{namespace}/{claim['metadata']['name']}") is None:
                try:
                    await self.client.create(PVC, claim, namespace=namespace)
                except AlreadyExists:
                    pass  # our cache is behind: it exists, which is all we need
        body = identity.pod_for(sts, ordinal, template=template, revision=revision)
        try:
            await self.client.create(POD, body, namespace=namespace)
        except AlreadyExists:
            return  # made by an earlier sync our cache has not shown yet, or still terminating
        except ApiError as error:
            self.emit(sts, WARNING, "FailedCreate", f"create Pod {body['metadata']['name']} in StatefulSet "
                      f"{meta(sts)['name']} failed error: {error.message}")  # fmt: skip
            raise
        self.emit(sts, NORMAL, "SuccessfulCreate",
                  f"create Pod {body['metadata']['name']} in StatefulSet {meta(sts)['name']} successful")  # fmt: skip

    async def _delete(self, sts: Obj, pod: Pod) -> None:
        name = meta(pod)["name"]
        try:
            await self.client.delete(
                POD, name, namespace=meta(pod).get("namespace"), preconditions={"uid": uid_of(pod)}
            )
        except NotFound:
            return
        self.emit(sts, NORMAL, "SuccessfulDelete", f"delete Pod {name} in StatefulSet {meta(sts)['name']} successful")

    async def _hand_claims_to(self, sts: Obj, pod: Pod) -> None:
        """whenScaled Delete: a condemned pod owns its claims, so they go with it."""
        if identity.retention(sts)[1] != "Delete":
            return
        ordinal = identity.ordinal_of(sts, pod)
        if ordinal is None:
            return
        namespace = meta(sts).get("namespace")
        for claim in identity.claims_for(sts, ordinal):
            cached = self.claims.get(f"{namespace}/{claim['metadata']['name']}")
            if cached is None or identity.owned_by(cached, pod):
                continue
            refs = [dict(r) for r in meta(cached).get("ownerReferences") or []]
            refs.append({"apiVersion": "v1", "kind": "Pod", "name": meta(pod)["name"], "uid": uid_of(pod)})
            patch = {"metadata": {"ownerReferences": refs, "resourceVersion": meta(cached).get("resourceVersion")}}
            try:
                await self.client.patch(PVC, claim["metadata"]["name"], patch, namespace=namespace)
            except NotFound:
                continue

    async def _write_status(self, sts: Obj, pods: list[Pod], history: History, *, current: str, now: datetime) -> None:
        spec = sts.get("spec") or {}
        min_ready = int(spec.get("minReadySeconds") or 0)
        live = [p for p in pods if not is_terminating(p)]
        update = history.name
        status = dict(sts.get("status") or {})
        status.update(
            replicas=len(live),
            readyReplicas=sum(1 for p in live if is_ready(p)),
            availableReplicas=sum(1 for p in live if is_available(p, min_ready_seconds=min_ready, now=now)),
            currentReplicas=sum(1 for p in live if identity.revision_of(p) == current),
            updatedReplicas=sum(1 for p in live if identity.revision_of(p) == update),
            currentRevision=current,
            updateRevision=update,
            observedGeneration=int(meta(sts).get("generation") or 0),
            collisionCount=history.collision_count,
        )
        wanted = int(spec.get("replicas", 1) or 0)
        if status["updatedReplicas"] == wanted and status["readyReplicas"] == wanted and status["replicas"] == wanted:
            status["currentRevision"], status["currentReplicas"] = update, status["updatedReplicas"]
        if status != (sts.get("status") or {}):
            await self.client.update_status(STATEFULSET, {**sts, "status": status})

    @staticmethod
    def _next_look(sts: Mapping[str, Any], pods: list[Pod], *, now: datetime) -> Result | None:
        wait = seconds_until_next_available(sts, pods, now=now)
        return Result(requeue_after=wait + AVAILABILITY_SLACK_SECONDS) if wait is not None else None
