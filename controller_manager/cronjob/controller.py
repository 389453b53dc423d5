"""CronJob controller: a Job for each scheduled time, within the concurrency policy and history limits.

    CronJob events ──► its key;  Job events ──► the controlling CronJob's key
    reconcile(key), from the stores:
        status.active ◄── the Jobs it controls: finished ones leave (SawCompletedJob, lastSuccessfulTime),
                          vanished ones leave (MissingJob)
        deleting, suspended, unparseable ──► status only
        the most recent unmet start time (schedule.py), at most one catch-up run after downtime:
            none yet ──► look again at the next start time
            past startingDeadlineSeconds ──► MissSchedule, skip it
            already created ──► nothing
            Forbid + a Job active ──► JobAlreadyActive, wait for it to finish
            Replace ──► delete the active Jobs (Background) first
            create `<cronjob>-<minutes since epoch>` from the jobTemplate ──► active, lastScheduleTime
        history: finished Jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit deleted, oldest first
        ──► look again at the next start time
`now` is injectable: tests move it instead of waiting minutes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from controller_manager.cronjob import schedule
from controller_manager.job.status import COMPLETE, FAILED, is_finished, is_true
from controller_manager.ownership import controller_ref, meta, new_controller_ref, uid_of
from kubemini.api import cron, timestamps
from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.controller import ClientController, Result, TerminalError
from kubemini.client.errors import AlreadyExists, Conflict, NotFound
from kubemini.client.events import NORMAL, WARNING
from kubemini.client.shared_informers import SharedInformers
from kubemini.client.store import object_key, split_key

CRONJOB, JOB = by_kind("CronJob"), by_kind("Job")
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"
NEXT_START_SLACK_SECONDS = 0.1

Obj = dict[str, Any]


def job_from_template(cronjob: Mapping[str, Any], scheduled: datetime) -> Obj:
    template = copy.deepcopy((cronjob.get("spec") or {}).get("jobTemplate") or {})
    template_meta = template.get("metadata") or {}
    annotations = dict(template_meta.get("annotations") or {})
    annotations[SCHEDULED_ANNOTATION] = scheduled.isoformat()
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": schedule.job_name(cronjob, scheduled),
            "namespace": meta(cronjob).get("namespace"),
            "labels": dict(template_meta.get("labels") or {}),
            "annotations": annotations,
            "ownerReferences": [new_controller_ref(cronjob)],
        },
        "spec": template.get("spec") or {},
    }


def job_reference(job: Mapping[str, Any]) -> Obj:
    return {
        "kind": "Job",
        "apiVersion": "batch/v1",
        "namespace": meta(job).get("namespace"),
        "name": meta(job)["name"],
        "uid": uid_of(job),
        "resourceVersion": meta(job).get("resourceVersion"),
    }


class CronJobController(ClientController):
    name = "cronjob"
    default_workers = 5

    def __init__(
        self,
        client: ApiClient,
        informers: SharedInformers,
        *,
        now: Callable[[], datetime] | None = None,
        **common: Any,
    ):
        self.now = now or (lambda: datetime.now(UTC))
        super().__init__(client, informers, **common)

    def setup(self, informers: SharedInformers) -> None:
        self.cronjobs = self.add_informer(informers.informer(CRONJOB))
        self.jobs = self.add_informer(informers.informer(JOB), key_for=self._owner_key)

    def _owner_key(self, job: Mapping[str, Any]) -> str | None:
        ref = controller_ref(job)
        if ref is None or ref.get("kind") != CRONJOB.kind:
            return None
        return f"{meta(job).get('namespace')}/{ref.get('name')}"

    async def reconcile(self, key: str) -> Result | None:
        cached = self.cronjobs.get(key)
        if cached is None:
            return None
        cronjob = copy.deepcopy(cached)
        status = cronjob.setdefault("status", {})
        before = copy.deepcopy(status)
        try:
            result = await self._sync(cronjob, status)
            if status != before:
                await self.client.update_status(CRONJOB, cronjob)
        except Conflict:
            return Result(requeue=True)  # a newer CronJob is on its way: decide again on it
        except NotFound:
            return None
        return result

    def _children(self, cronjob: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        uid = uid_of(cronjob)
        return [j for j in self.jobs.by_index("owner", uid) if (controller_ref(j) or {}).get("uid") == uid]

    async def _sync(self, cronjob: Obj, status: Obj) -> Result | None:
        children = self._children(cronjob)
        await self._reconcile_active(cronjob, status, children)
        spec = cronjob.get("spec") or {}
        if meta(cronjob).get("deletionTimestamp"):
            return None
        zone = spec.get("timeZone")
        if zone is not None and cron.time_zone_problem(zone):
            self.emit(cronjob, WARNING, "UnknownTimeZone", f"invalid timeZone: {zone!r}")
            raise TerminalError(f"unknown time zone {zone}")
        if problem := cron.schedule_problem(spec.get("schedule") or ""):
            self.emit(
                cronjob, WARNING, "UnparseableSchedule", f"unparseable schedule: {spec.get('schedule')!r} : {problem}"
            )
            raise TerminalError(problem)
        await self._clean_history(cronjob, children)
        if spec.get("suspend"):
            return None
        now = self.now()
        unmet = schedule.unmet_schedule(cronjob, now=now)
        until_next = (schedule.next_start(cronjob, now=now) - now).total_seconds()
        wait = Result(requeue_after=max(until_next, 0.0) + NEXT_START_SLACK_SECONDS)
        if unmet.scheduled is None:
            return wait
        if unmet.missed > schedule.MANY_MISSED:
            self.emit(cronjob, WARNING, "TooManyMissedTimes", f"too many missed start times: {unmet.missed}. "
                      "Set or decrease .spec.startingDeadlineSeconds or check clock skew")  # fmt: skip
        if unmet.too_late:
            self.emit(
                cronjob, WARNING, "MissSchedule", f"Missed scheduled time to start a job: {unmet.scheduled.isoformat()}"
            )
            return wait
        name = schedule.job_name(cronjob, unmet.scheduled)
        if any(ref.get("name") == name for ref in status.get("active") or []):
            return wait
        policy = spec.get("concurrencyPolicy") or "Allow"
        if policy == "Forbid" and status.get("active"):
            message = "Not starting job because prior execution is running and concurrency policy is Forbid"
            self.emit(cronjob, NORMAL, "JobAlreadyActive", message)
            return wait
        if policy == "Replace":
            for ref in list(status.get("active") or []):
                try:
                    await self.client.delete(
                        JOB, ref["name"], namespace=ref.get("namespace"), propagation_policy="Background"
                    )
                except NotFound:
                    pass
                self.emit(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {ref['name']}")
                status["active"] = [r for r in status.get("active") or [] if r.get("uid") != ref.get("uid")]
        created = await self._create(cronjob, unmet.scheduled)
        if created is not None:
            status["active"] = [*(status.get("active") or []), job_reference(created)]
        status["lastScheduleTime"] = timestamps.format_time(unmet.scheduled)
        return wait

    async def _create(self, cronjob: Obj, scheduled: datetime) -> Obj | None:
        body = job_from_template(cronjob, scheduled)
        try:
            created = await self.client.create(JOB, body, namespace=meta(cronjob).get("namespace"))
        except AlreadyExists:
            # Made by us before a restart (its name is the scheduled minute): adopt it into active.
            existing = await self.client.get(JOB, body["metadata"]["name"], namespace=meta(cronjob).get("namespace"))
            if (controller_ref(existing) or {}).get("uid") != uid_of(cronjob) or is_finished(existing):
                return None
            return existing
        self.emit(cronjob, NORMAL, "SuccessfulCreate", f"Created job {meta(created)['name']}")
        return created

    async def _reconcile_active(self, cronjob: Obj, status: Obj, children: list[Mapping[str, Any]]) -> None:
        active = list(status.get("active") or [])
        by_uid = {uid_of(job): job for job in children}
        for job in children:
            listed = any(ref.get("uid") == uid_of(job) for ref in active)
            if listed and is_finished(job):
                active = [ref for ref in active if ref.get("uid") != uid_of(job)]
                outcome = COMPLETE if is_true(job, COMPLETE) else FAILED
                self.emit(
                    cronjob, NORMAL, "SawCompletedJob", f"Saw completed job: {meta(job)['name']}, condition: {outcome}"
                )
            if is_true(job, COMPLETE):
                completed = (job.get("status") or {}).get("completionTime")
                if completed and (not status.get("lastSuccessfulTime") or completed > status["lastSuccessfulTime"]):
                    status["lastSuccessfulTime"] = completed
        for ref in list(active):
            if ref.get("uid") in by_uid:
                continue
            namespace, name = ref.get("namespace") or meta(cronjob).get("namespace"), ref.get("name")
            try:
                live = await self.client.get(JOB, name, namespace=namespace)
                if uid_of(live) == ref.get("uid"):
                    continue  # our cache has not seen it yet
            except NotFound:
                pass
            self.emit(cronjob, NORMAL, "MissingJob", f"Active job went missing: {name}")
            active = [r for r in active if r.get("uid") != ref.get("uid")]
        if active:
            status["active"] = active
        else:
            status.pop("active", None)

    async def _clean_history(self, cronjob: Mapping[str, Any], children: list[Mapping[str, Any]]) -> None:
        spec = cronjob.get("spec") or {}
        limits = ((COMPLETE, spec.get("successfulJobsHistoryLimit")), (FAILED, spec.get("failedJobsHistoryLimit")))
        for outcome, limit in limits:
            if limit is None:
                continue
            done = [j for j in children if is_true(j, outcome) and not meta(j).get("deletionTimestamp")]
            done.sort(key=lambda j: (j.get("status") or {}).get("startTime") or meta(j).get("creationTimestamp") or "")
            for job in done[: max(len(done) - int(limit), 0)]:
                namespace, name = split_key(object_key(job))
                try:
                    await self.client.delete(JOB, name, namespace=namespace, propagation_policy="Background")
                except NotFound:
                    continue
                self.emit(cronjob, NORMAL, "SuccessfulDelete", f"Deleted job {name}")
