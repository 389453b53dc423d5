"""DaemonSet controller: a daemon pod on every eligible node, rolled from revision to revision.

DaemonSet events ──► its key;  Pod events ──► the controlling DaemonSet's key (+ expectations)
Node added / changed (labels, taints, unschedulable) / removed ──► every DaemonSet's key
ControllerRevision events ──► the controlling DaemonSet's key
reconcile(key), from the stores:
    claim pods (selector) ──► sync ControllerRevisions (history.py): the current revision's hash
    per node (placement.node_fit): should run and has no pod ──► create one pinned to it by
        node affinity (the scheduler binds it); may keep running: failed pods deleted, extra
        pods beyond one deleted (oldest kept); may not run ──► its pods deleted
    pods for nodes that no longer exist ──► deleted
    RollingUpdate ──► rollout.rolling_update: old pods out / surge pods in, within the limits
    OnDelete ──► old pods stay until someone deletes them
    status: desired / current / misscheduled / ready / updated / available / unavailable counts,
            observedGeneration, collisionCount; old revisions beyond the history limit trimmed
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.daemonset import placement, rollout
from controller_manager.expectations import Expectations
from controller_manager.history import CONTROLLER_REVISION, REVISION_HASH_LABEL, History, sync_revisions, trim_history
from controller_manager.ownership import claim_matching, controller_ref, meta, uid_of
from controller_manager.replicaset_status import seconds_until_next_available
from controller_manager.slow_start import run_in_batches
from kubemini.api.pods import is_available, is_ready, is_terminating, phase
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, selector_from_label_selector
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import ApiError, Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

DAEMONSET, POD, NODE = by_kind("DaemonSet"), by_kind("Pod"), by_kind("Node")
AVAILABILITY_SLACK_SECONDS = 0.05

Obj = dict[str, Any]
Pod = Mapping[str, Any]


def _node_view(node: Mapping[str, Any]) -> tuple[Any, ...]:
    return (
        meta(node).get("labels"),
        (node.get("spec") or {}).get("taints"),
        (node.get("spec") or {}).get("unschedulable"),
    )


class DaemonSetController(ClientController):
    name = "daemonset"
    default_workers = 2

    def setup(self, informers: SharedInformers) -> None:
        self.expectations = Expectations()
        self.daemonsets = self.add_informer(informers.informer(DAEMONSET))
        self.revisions = self.add_informer(informers.informer(CONTROLLER_REVISION), key_for=self._owner_key)
        self.pods = self.watch(
            informers.informer(POD), on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
        )
        self.nodes = self.watch(
            informers.informer(NODE),
            on_add=lambda _node: self._enqueue_all(),
            on_update=lambda old, new: self._enqueue_all() if _node_view(old) != _node_view(new) else None,
            on_delete=lambda _node: self._enqueue_all(),
        )

    # -- handlers -------------------------------------------------------------------------------

    def _owner_key(self, obj: Mapping[str, Any]) -> str | None:
        ref = controller_ref(obj)
        if ref is None or ref.get("kind") != DAEMONSET.kind:
            return None
        return f"{meta(obj).get('namespace')}/{ref.get('name')}"

    def _enqueue_all(self) -> None:
        for ds in self.daemonsets.list():
            self.enqueue(object_key(ds))

    def _pod_added(self, pod: Obj) -> None:
        if (key := self._owner_key(pod)) is not None:
            self.expectations.creation_observed(key)
            self.enqueue(key)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        for key in {self._owner_key(old), self._owner_key(new)} - {None}:
            if is_terminating(new):
                self.expectations.deletion_observed(key, object_key(new))
            self.enqueue(key)

    def _pod_deleted(self, pod: Obj) -> None:
        if (key := self._owner_key(pod)) is not None:
            self.expectations.deletion_observed(key, object_key(pod))
            self.enqueue(key)

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        cached = self.daemonsets.get(key)
        if cached is None:
            self.expectations.forget(key)
            return None
        ds = copy.deepcopy(cached)
        try:
            selector = selector_from_label_selector((ds.get("spec") or {}).get("selector"))
        except SelectorError as error:
            raise TerminalError(f"invalid selector: {error}") from error
        if not selector:
            raise TerminalError("a DaemonSet needs a non-empty selector")
        try:
            return await self._sync(key, ds, selector)
        except Conflict:
            return Result(requeue=True)  # a newer object is on its way: decide again on it
        except NotFound:
            return None

    async def _sync(self, key: str, ds: Obj, selector: tuple) -> Result | None:
        namespace = meta(ds).get("namespace") or ""
        pods = await claim_matching(
            self.client, POD, owner=ds, owner_rt=DAEMONSET, candidates=self.pods.by_index("namespace", namespace),
            selector=selector,
        )  # fmt: skip
        history = await sync_revisions(self.client, ds, self.revisions.by_index("namespace", namespace))
        by_node: dict[str, list[Pod]] = {}
        for pod in pods:
            by_node.setdefault(placement.target_node(pod) or "", []).append(pod)
        nodes = {meta(node)["name"]: node for node in self.nodes.list()}
        fits = {name: placement.node_fit(ds, node) for name, node in nodes.items()}
        now = datetime.now(UTC)
        if not meta(ds).get("deletionTimestamp") and self.expectations.satisfied(key):
            creates, deletes = self._manage(by_node, fits)
            if ((ds.get("spec") or {}).get("updateStrategy") or {}).get("type", "RollingUpdate") == "RollingUpdate":
                eligible = [name for name, (run, _) in fits.items() if run]
                plan = rollout.rolling_update(ds, by_node, eligible=eligible, revision_hash=history.hash, now=now)
                creates += [n for n in plan.create_on if n not in creates]
                deletes += [p for p in plan.delete if p not in deletes]
            await self._act(key, ds, history, creates, deletes)
        await self._write_status(ds, history, by_node, fits, now=now)
        in_use = {(meta(p).get("labels") or {}).get(REVISION_HASH_LABEL) or "" for p in pods}
        await trim_history(self.client, ds, history, in_use=in_use)
        return self._next_look(ds, pods, now=now)

    def _manage(
        self, by_node: Mapping[str, list[Pod]], fits: Mapping[str, tuple[bool, bool]]
    ) -> tuple[list[str], list[Pod]]:
        creates: list[str] = []
        deletes: list[Pod] = []
        for node, pods in by_node.items():
            if node not in fits:
                deletes += [p for p in pods if not is_terminating(p)]  # its node is gone
        for node, (should_run, may_continue) in fits.items():
            pods = by_node.get(node, [])
            live = sorted(
                (p for p in pods if not is_terminating(p)), key=lambda p: meta(p).get("creationTimestamp") or ""
            )
            if should_run and not pods:
                creates.append(node)
            elif may_continue:
                failed = [p for p in live if phase(p) == "Failed"]
                deletes += failed
                running = [p for p in live if p not in failed]
                by_revision: dict[str, list[Pod]] = {}
                for pod in running:
                    by_revision.setdefault((meta(pod).get("labels") or {}).get(REVISION_HASH_LABEL) or "", []).append(
                        pod
                    )
                for same in by_revision.values():
                    deletes += same[1:]  # one pod per revision and node; a rollout may surge a second
            else:
                deletes += live
        return creates, deletes

    async def _act(self, key: str, ds: Obj, history: History, creates: list[str], deletes: list[Pod]) -> None:
        if deletes:
            self.expectations.expect_deletions(key, [object_key(p) for p in deletes])
            results = await asyncio.gather(*(self._delete(key, ds, p) for p in deletes), return_exceptions=True)
            errors = [r for r in results if isinstance(r, BaseException) and not isinstance(r, NotFound)]
            if errors:
                raise errors[0]
            return  # create after the deletions were seen: never two pods of one revision on a node
        if not creates:
            return
        self.expectations.expect_creations(key, len(creates))
        targets = iter(creates)

        async def create_one() -> None:
            node = next(targets)
            body = placement.pod_for_node(ds, node, revision_hash=history.hash)
            created = await self.client.create(POD, body, namespace=meta(ds).get("namespace"))
            self.emit(ds, NORMAL, "SuccessfulCreate", f"Created pod: {meta(created)['name']}")

        done, error = await run_in_batches(len(creates), create_one)
        for _ in range(len(creates) - done):
            self.expectations.creation_observed(key)
        if error is not None:
            message = error.message if isinstance(error, ApiError) else str(error)
            self.emit(ds, WARNING, "FailedCreate", f"Error creating: {message}")
            raise error

    async def _delete(self, key: str, ds: Obj, pod: Pod) -> None:
        try:
            await self.client.delete(POD, meta(pod)["name"], namespace=meta(pod).get("namespace"),
                                     preconditions={"uid": uid_of(pod)})  # fmt: skip
        except ApiError:
            self.expectations.deletion_observed(key, object_key(pod))
            raise
        self.emit(ds, NORMAL, "SuccessfulDelete", f"Deleted pod: {meta(pod)['name']}")

    async def _write_status(
        self, ds: Obj, history: History, by_node: Mapping[str, list[Pod]], fits: Mapping[str, tuple[bool, bool]], *,
        now: datetime,
    ) -> None:  # fmt: skip
        min_ready = int((ds.get("spec") or {}).get("minReadySeconds") or 0)
        counts = dict.fromkeys(
            ("desiredNumberScheduled", "currentNumberScheduled", "numberMisscheduled", "numberReady",
             "updatedNumberScheduled", "numberAvailable"), 0,
        )  # fmt: skip
        for node, (should_run, _) in fits.items():
            live = sorted((p for p in by_node.get(node, []) if not is_terminating(p)),
                          key=lambda p: meta(p).get("creationTimestamp") or "")  # fmt: skip
            if not should_run:
                counts["numberMisscheduled"] += 1 if live else 0
                continue
            counts["desiredNumberScheduled"] += 1
            if not live:
                continue
            counts["currentNumberScheduled"] += 1
            oldest = live[0]
            counts["numberReady"] += is_ready(oldest)
            counts["numberAvailable"] += is_available(oldest, min_ready_seconds=min_ready, now=now)
            if any((meta(p).get("labels") or {}).get(REVISION_HASH_LABEL) == history.hash for p in live):
                counts["updatedNumberScheduled"] += 1
        status = dict(ds.get("status") or {})
        status.update(counts)
        status["numberUnavailable"] = counts["desiredNumberScheduled"] - counts["numberAvailable"]
        status["observedGeneration"] = int(meta(ds).get("generation") or 0)
        if history.collision_count:
            status["collisionCount"] = history.collision_count
        if status != (ds.get("status") or {}):
            await self.client.update_status(DAEMONSET, {**ds, "status": status})

    @staticmethod
    def _next_look(ds: Mapping[str, Any], pods: list[Pod], *, now: datetime) -> Result | None:
        """Pods ready but not yet available (minReadySeconds): look again when the first one is."""
        wait = seconds_until_next_available(ds, pods, now=now)
        return Result(requeue_after=wait + AVAILABILITY_SLACK_SECONDS) if wait is not None else None
