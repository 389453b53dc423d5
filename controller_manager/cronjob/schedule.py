"""When a CronJob should have started a Job, and what that Job is called (pure).

    spec.schedule, timeZone, status.lastScheduleTime (else creationTimestamp), startingDeadlineSeconds, now
        ──unmet_schedule()──► the most recent start time not yet run (at most one catch-up run, as
                              Kubernetes), how many were missed, and whether it is too late to start
        ──next_start()──► when to look again
    scheduled time ──job_name()──► `<cronjob>-<minutes since the epoch>`

Kubernetes warns with TooManyMissedTimes past 100 missed start times.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kubemini.api import cron, timestamps

MANY_MISSED = 100


@dataclass(frozen=True)
class Unmet:
    scheduled: datetime | None  # the most recent start time due and not yet run
    missed: int  # how many start times passed since the last run
    too_late: bool  # past startingDeadlineSeconds: skip it


def _spec(cronjob: Mapping[str, Any]) -> Mapping[str, Any]:
    return cronjob.get("spec") or {}


def _earliest(cronjob: Mapping[str, Any]) -> datetime:
    last = (cronjob.get("status") or {}).get("lastScheduleTime")
    return timestamps.parse(last or (cronjob.get("metadata") or {})["creationTimestamp"])


def unmet_schedule(cronjob: Mapping[str, Any], *, now: datetime) -> Unmet:
    spec = _spec(cronjob)
    schedule, zone = spec["schedule"], spec.get("timeZone")
    earliest = _earliest(cronjob)
    deadline = spec.get("startingDeadlineSeconds")
    window_start = earliest
    if deadline is not None:
        window_start = max(earliest, now - timedelta(seconds=int(deadline)))
    first = cron.next_run(schedule, window_start, time_zone=zone)
    if first > now:
        return Unmet(None, 0, False)
    latest = cron.previous_run(schedule, now, time_zone=zone)
    missed, moment = 0, first
    while moment <= now and missed <= MANY_MISSED:
        missed += 1
        moment = cron.next_run(schedule, moment, time_zone=zone)
    too_late = deadline is not None and latest < window_start
    return Unmet(latest, missed, too_late)


def next_start(cronjob: Mapping[str, Any], *, now: datetime) -> datetime:
    spec = _spec(cronjob)
    return cron.next_run(spec["schedule"], now, time_zone=spec.get("timeZone"))


def job_name(cronjob: Mapping[str, Any], scheduled: datetime) -> str:
    return f"{(cronjob.get('metadata') or {})['name']}-{int(scheduled.timestamp()) // 60}"
