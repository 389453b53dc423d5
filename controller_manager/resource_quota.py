"""ResourceQuota controller ("resourcequota"): status.hard = spec.hard, status.used counted from live objects.

    ResourceQuota events ──► its key;  pod / service / claim / configmap / secret / RC events ──► the keys of
    every quota in the object's namespace
    reconcile(namespace/name):
        used = for each hard name, the sum over the namespace's live objects the quota's scopes select
               (kubemini.api.quota: finished pods charge no compute and no `pods`; deleted objects are gone)
               from the informer's cache, or from a LIST when that cache has not yet seen the quota's
               revision (admission charged a create the pod watch has not delivered yet: counting the
               older cache would write a too-low used that a later recount raises again)
        status differs ──► PUT status with the quota's resourceVersion (409 ──► look again)
        look again every RESYNC_PERIOD_SECONDS anyway (level-triggered, like --resource-quota-sync-period)
`count/<resource>.<group>` names of kinds without an informer here are counted with a LIST.
The apiserver's ResourceQuota admission charges new objects as they are created; this loop is what
gives usage back when pods finish or objects are deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.ownership import meta
from kubemini.api.quota.resources import format_list
from kubemini.api.quota.usage import accounts_for, quota_usage
from kubemini.api.registry import by_kind, stored_resources
from kubemini.client.controller import ClientController, Result
from kubemini.client.errors import Conflict, NotFound
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key

RESOURCE_QUOTA = by_kind("ResourceQuota")
WATCHED_KINDS = ("Pod", "Service", "PersistentVolumeClaim", "ConfigMap", "Secret", "ReplicationController")
RESYNC_PERIOD_SECONDS = 300.0


def status_for(quota: Mapping[str, Any], used: Mapping[str, Any]) -> dict:
    return {"hard": dict((quota.get("spec") or {}).get("hard") or {}), "used": format_list(used)}


def count_target(name: str) -> tuple[str, str] | None:
    """`count/deployments.apps` → ("apps", "deployments"); `count/pods` → ("", "pods")."""
    if not name.startswith("count/"):
        return None
    plural, _, group = name.removeprefix("count/").partition(".")
    return group, plural


class ResourceQuotaController(ClientController):
    name = "resourcequota"
    default_workers = 2

    def setup(self, informers: SharedInformers) -> None:
        self.quotas = self.add_informer(informers.informer(RESOURCE_QUOTA))
        self.watched = {}
        for kind in WATCHED_KINDS:
            record = by_kind(kind)
            self.watched[(record.group, record.plural)] = self.add_informer(
                informers.informer(record), key_for=self._quotas_of_namespace
            )

    def _quotas_of_namespace(self, obj: Mapping[str, Any]) -> list[str]:
        namespace = meta(obj).get("namespace")
        return [object_key(q) for q in self.quotas.list() if meta(q).get("namespace") == namespace]

    async def _objects(self, quota: Mapping[str, Any], namespace: str) -> dict[tuple[str, str], list]:
        revision = meta(quota).get("resourceVersion") or ""
        hard = (quota.get("spec") or {}).get("hard") or {}
        objects = {}
        for target, informer in self.watched.items():
            if not any(accounts_for(target[1], target[0], name) for name in hard):
                continue
            if informer.has_seen(revision):
                objects[target] = [o for o in informer.list() if meta(o).get("namespace") == namespace]
            else:
                objects[target] = (await self.client.list_all(informer.rt, namespace=namespace)).get("items") or []
        for name in hard:
            target = count_target(name)
            if target is None or target in objects:
                continue
            record = next((r for r in stored_resources() if (r.group, r.plural) == target and r.namespaced), None)
            if record is not None:
                objects[target] = (await self.client.list_all(record, namespace=namespace)).get("items") or []
        return objects

    async def reconcile(self, key: str) -> Result | None:
        quota = self.quotas.get(key)
        if quota is None:
            return None
        namespace = meta(quota)["namespace"]
        used = quota_usage(quota, await self._objects(quota, namespace), now=datetime.now(UTC))
        status = status_for(quota, used)
        if (quota.get("status") or {}) != status:
            try:
                await self.client.update_status(RESOURCE_QUOTA, {**quota, "status": status})
            except NotFound:
                return None
            except Conflict:
                return Result(requeue=True)  # charged by admission meanwhile: count again on the fresh quota
        return Result(requeue_after=RESYNC_PERIOD_SECONDS)
