"""ReplicaSet controller: exactly `spec.replicas` active pods matching each ReplicaSet's selector.

ReplicaSet events ──► the ReplicaSet's key
Pod events ──► key of the pod's controlling ReplicaSet, or of every ReplicaSet whose selector
               matches an orphan; ADDED / deletion also tick the owner's expectations
                    │
sync(key) ◄─────────┘ reads the ReplicaSet and its namespace's pods from the stores
    claim pods: adopt matching orphans, release pods whose labels stopped matching
    expectations pending? ── yes ──► counts only: our own creates/deletes are not in the cache yet
    active - replicas < 0 ──► create from the template in slow-start batches (generateName `<rs>-`)
                      > 0 ──► delete the least valuable (unscheduled, pending, not ready, newest)
    status ──► merge PATCH of /status, only when it changed
    pods ready but inside minReadySeconds ──► look again when the first becomes available
"""

from __future__ import annotations

import asyncio
import copy
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.expectations import Expectations
from controller_manager.ownership import claim, controller_ref, meta, new_controller_ref, uid_of
from controller_manager.replicaset_status import calculate_status, seconds_until_next_available, status_changed
from controller_manager.slow_start import run_in_batches
from kubemini.api.pods import deletion_order, is_active, is_terminating
from kubemini.api.registry import by_kind
from kubemini.api.selectors import SelectorError, labels_match, selector_from_label_selector
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import ApiError, Conflict, Forbidden, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key, resource_version, split_key

POD = by_kind("Pod")
REPLICASET = by_kind("ReplicaSet")
# At most this many creates or deletes per sync (client-go's BurstReplicas).
BURST_REPLICAS = 500
# Pods reach minReadySeconds on whole-second timestamps: look a little after, not a little before.
AVAILABILITY_SLACK_SECONDS = 0.05

Obj = dict[str, Any]


def pod_from_template(rs: Mapping[str, Any]) -> Obj:
    template = (rs.get("spec") or {}).get("template") or {}
    template_meta = template.get("metadata") or {}
    metadata: Obj = {
        "generateName": f"{meta(rs)['name']}-",
        "namespace": meta(rs).get("namespace"),
        "labels": dict(template_meta.get("labels") or {}),
        "ownerReferences": [new_controller_ref(rs)],
    }
    if template_meta.get("annotations"):
        metadata["annotations"] = dict(template_meta["annotations"])
    if template_meta.get("finalizers"):
        metadata["finalizers"] = list(template_meta["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": copy.deepcopy(template.get("spec") or {})}


def is_namespace_terminating(error: BaseException) -> bool:
    causes = (error.details.get("causes") or []) if isinstance(error, Forbidden) else []
    return any(cause.get("reason") == "NamespaceTerminating" for cause in causes)


def label_selector_of(rs: Mapping[str, Any]) -> tuple:
    return selector_from_label_selector((rs.get("spec") or {}).get("selector"))


class ReplicaSetController(ClientController):
    """Also the ReplicationController's machinery (replication_controller.py): `owner_rt` and
    `selector_of` are the only differences between the two kinds."""

    name = "replicaset"
    owner_rt = REPLICASET
    selector_of = staticmethod(label_selector_of)

    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        burst_replicas: int = BURST_REPLICAS,
        **common: Any,
    ):
        self.burst_replicas = burst_replicas
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.expectations = Expectations()
        self.replicasets = self.add_informer(informers.informer(self.owner_rt))
        self.pods = self.watch(
            informers.informer(POD), on_add=self._pod_added, on_update=self._pod_updated, on_delete=self._pod_deleted
        )

    # -- handlers: map pods to ReplicaSet keys ----------------------------------------------------

    def _owner_of(self, pod: Mapping[str, Any], ref: Mapping[str, Any] | None) -> Mapping[str, Any] | None:
        if ref is None or ref.get("kind") != self.owner_rt.kind:
            return None
        rs = self.replicasets.get(f"{meta(pod).get('namespace')}/{ref.get('name')}")
        return rs if rs is not None and uid_of(rs) == ref.get("uid") else None

    def _matching(self, pod: Mapping[str, Any]) -> list[str]:
        labels = meta(pod).get("labels") or {}
        keys = []
        for rs in self.replicasets.by_index("namespace", meta(pod).get("namespace") or ""):
            try:
                selector = self.selector_of(rs)
            except SelectorError:
                continue
            if selector and labels_match(selector, labels):
                keys.append(object_key(rs))
        return keys

    def _pod_added(self, pod: Obj) -> None:
        if is_terminating(pod):
            self._pod_deleted(pod)  # e.g. seen first on a relist: its deletion is what matters
            return
        ref = controller_ref(pod)
        if ref is not None:
            rs = self._owner_of(pod, ref)
            if rs is not None:
                self.expectations.creation_observed(object_key(rs))
                self.enqueue(object_key(rs))
            return
        for key in self._matching(pod):
            self.enqueue(key)

    def _pod_updated(self, old: Obj, new: Obj) -> None:
        if resource_version(old) == resource_version(new):
            return  # a periodic resync: nothing changed
        labels_changed = meta(old).get("labels") != meta(new).get("labels")
        if is_terminating(new):
            self._pod_deleted(new)
            if labels_changed:
                self._pod_deleted(old)
            return
        old_ref, new_ref = controller_ref(old), controller_ref(new)
        ref_changed = (old_ref or {}).get("uid") != (new_ref or {}).get("uid")
        if ref_changed and (previous := self._owner_of(old, old_ref)) is not None:
            self.enqueue(object_key(previous))
        if new_ref is not None:
            if (current := self._owner_of(new, new_ref)) is not None:
                self.enqueue(object_key(current))
            return
        if labels_changed or ref_changed:
            for key in self._matching(new):
                self.enqueue(key)

    def _pod_deleted(self, pod: Obj) -> None:
        rs = self._owner_of(pod, controller_ref(pod))
        if rs is None:
            return
        key = object_key(rs)
        self.expectations.deletion_observed(key, object_key(pod))
        self.enqueue(key)

    # -- reconcile ------------------------------------------------------------------------------

    async def reconcile(self, key: str) -> Result | None:
        namespace, _name = split_key(key)
        rs = self.replicasets.get(key)
        if rs is None:
            self.expectations.forget(key)
            return None
        try:
            selector = self.selector_of(rs)
        except SelectorError as error:
            raise TerminalError(f"invalid selector: {error}") from error
        if not selector:
            raise TerminalError("an empty selector would select every pod in the namespace")
        # Read before claiming: a pending expectation seen now is still pending when we act.
        may_manage = self.expectations.satisfied(key) and not meta(rs).get("deletionTimestamp")
        candidates = [pod for pod in self.pods.by_index("namespace", namespace or "") if is_active(pod)]
        try:
            pods = await claim(
                self.client,
                POD,
                owner=rs,
                candidates=candidates,
                matches=lambda pod: labels_match(selector, meta(pod).get("labels") or {}),
                fresh_owner=lambda: self._fresh(rs),
            )
        except Conflict:
            return Result(requeue=True)  # a pod changed while we adopted or released it: its event follows
        failure: tuple[str, str] | None = None
        error: BaseException | None = None
        if may_manage:
            failure, error = await self._manage(key, rs, pods)
        now = datetime.now(UTC)
        status = calculate_status(rs, pods, now=now, failure=failure)
        if status_changed(rs.get("status"), status):
            try:
                await self.client.patch(
                    self.owner_rt, meta(rs)["name"], {"status": status}, namespace=namespace, subresource="status"
                )
            except NotFound:
                return None  # deleted meanwhile: nothing left to report on
        if error is not None:
            raise error
        wait = seconds_until_next_available(rs, pods, now=now)
        return Result(requeue_after=wait + AVAILABILITY_SLACK_SECONDS) if wait is not None else None

    async def _fresh(self, rs: Mapping[str, Any]) -> Obj | None:
        try:
            return await self.client.get(self.owner_rt, meta(rs)["name"], namespace=meta(rs).get("namespace"))
        except NotFound:
            return None

    async def _manage(
        self, key: str, rs: Mapping[str, Any], pods: list[Mapping[str, Any]]
    ) -> tuple[tuple[str, str] | None, BaseException | None]:
        wanted = int((rs.get("spec") or {}).get("replicas", 1) or 0)
        diff = len(pods) - wanted
        if diff < 0:
            return await self._create(key, rs, min(-diff, self.burst_replicas))
        if diff > 0:
            return await self._delete(key, rs, pods, min(diff, self.burst_replicas))
        return None, None

    async def _create(self, key: str, rs: Mapping[str, Any], count: int) -> tuple[tuple[str, str] | None, Any]:
        body = pod_from_template(rs)
        self.expectations.expect_creations(key, count)

        async def create_one() -> None:
            created = await self.client.create(POD, copy.deepcopy(body), namespace=meta(rs).get("namespace"))
            self.emit(rs, NORMAL, "SuccessfulCreate", f"Created pod: {meta(created).get('name')}")

        done, error = await run_in_batches(count, create_one)
        for _ in range(count - done):
            # Never made or refused: no ADDED event will ever lower these.
            self.expectations.creation_observed(key)
        if error is None or is_namespace_terminating(error):
            return None, None  # a terminating namespace refuses pods; the ReplicaSet is about to go too
        message = error.message if isinstance(error, ApiError) else str(error)
        self.emit(rs, WARNING, "FailedCreate", f"Error creating: {message}")
        return ("FailedCreate", message), error

    def _colocation(self, rs: Mapping[str, Any]) -> Counter[str]:
        """Active pods per node among this ReplicaSet's siblings (same controller), itself included."""
        owner = controller_ref(rs)
        siblings = [rs]
        if owner is not None:
            siblings = self.replicasets.by_index("owner", owner.get("uid") or "")
        counts: Counter[str] = Counter()
        for sibling in siblings:
            for pod in self.pods.by_index("owner", uid_of(sibling)):
                node = (pod.get("spec") or {}).get("nodeName")
                if node and is_active(pod):
                    counts[node] += 1
        return counts

    async def _delete(
        self, key: str, rs: Mapping[str, Any], pods: list[Mapping[str, Any]], count: int
    ) -> tuple[tuple[str, str] | None, Any]:
        on_node = self._colocation(rs)

        def order(pod: Mapping[str, Any]) -> tuple[Any, ...]:
            return deletion_order(pod, colocated=on_node.get((pod.get("spec") or {}).get("nodeName") or "", 0))

        victims = sorted(pods, key=order)[:count]
        self.expectations.expect_deletions(key, [object_key(pod) for pod in victims])
        results = await asyncio.gather(*(self._delete_pod(rs, pod) for pod in victims), return_exceptions=True)
        first_error: BaseException | None = None
        for pod, result in zip(victims, results, strict=True):
            if isinstance(result, BaseException):
                # The informer will never report this deletion: stop waiting for it.
                self.expectations.deletion_observed(key, object_key(pod))
                if not isinstance(result, NotFound):
                    first_error = first_error or result
        if first_error is None:
            return None, None
        message = first_error.message if isinstance(first_error, ApiError) else str(first_error)
        self.emit(rs, WARNING, "FailedDelete", f"Error deleting: {message}")
        return ("FailedDelete", message), first_error

    async def _delete_pod(self, rs: Mapping[str, Any], pod: Mapping[str, Any]) -> None:
        name = meta(pod)["name"]
        await self.client.delete(POD, name, namespace=meta(pod).get("namespace"), preconditions={"uid": uid_of(pod)})
        self.emit(rs, NORMAL, "SuccessfulDelete", f"Deleted pod: {name}")
