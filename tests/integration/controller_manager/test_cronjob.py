"""CronJob controller on a clock the test moves (no real minutes waited), Jobs run by the real controller-manager.

The CronJob controller runs in this process (in_process.py) against the package's apiserver; the
controller-manager process runs every other controller (`--controllers *,-cronjob`), so the Jobs it
creates really run on the scripted nodes.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from controller_manager.cronjob.controller import CronJobController
from kubemini.api import cron
from tests.integration.controller_manager.in_process import InProcessController, MovableClock
from tests.integration.controller_manager.jobs import finished, job, jobs_path

EVERY_MINUTE = "*/1 * * * *"


@pytest.fixture
def clock():
    return MovableClock(datetime.now(UTC))


@pytest.fixture
def controller(cluster, clock, namespace):
    running = InProcessController(
        cluster.url,
        lambda client, informers, recorder, metrics: CronJobController(
            client, informers, recorder=recorder, metrics=metrics, now=clock
        ),
        namespace=namespace,
    ).start()
    yield running
    running.stop()


def cronjob(
    name: str, *, schedule: str = EVERY_MINUTE, run_seconds: float = 0.1, exit_code: int | None = 0, **spec
) -> dict:
    template = job(name, run_seconds=run_seconds, exit_code=exit_code)
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": name},
        "spec": {"schedule": schedule, "jobTemplate": {"spec": template["spec"]}, **spec},
    }


def cronjobs_path(namespace: str) -> str:
    return f"/apis/batch/v1/namespaces/{namespace}/cronjobs"


def job_names(api, namespace: str) -> list[str]:
    return sorted(
        j["metadata"]["name"] for j in api.items(jobs_path(namespace)) if not j["metadata"].get("deletionTimestamp")
    )


def minute_name(name: str, moment: datetime) -> str:
    return f"{name}-{int(moment.timestamp()) // 60}"


def tick(controller, clock, namespace: str, name: str, moment: datetime) -> None:
    clock.moment = moment
    controller.enqueue(f"{namespace}/{name}")


def events(api, namespace: str, reason: str) -> list[dict]:
    return [e for e in api.items(f"/api/v1/namespaces/{namespace}/events") if e["reason"] == reason]


def test_forbid_skips_while_a_job_runs_then_catches_up_once(api, namespace, controller, clock):
    api.create(cronjobs_path(namespace), cronjob("forbid", run_seconds=1.5, concurrencyPolicy="Forbid",
                                                 successfulJobsHistoryLimit=2))  # fmt: skip
    first = cron.next_run(EVERY_MINUTE, clock())
    minutes = [first.replace(second=1)]
    for _ in range(3):
        minutes.append(cron.next_run(EVERY_MINUTE, minutes[-1]).replace(second=1))
    tick(controller, clock, namespace, "forbid", minutes[0])
    api.wait_for(lambda: job_names(api, namespace) == [minute_name("forbid", first)], what="the first scheduled Job",
                 seen=lambda: job_names(api, namespace))  # fmt: skip
    tick(controller, clock, namespace, "forbid", minutes[1])
    api.wait_for(lambda: events(api, namespace, "JobAlreadyActive"), what="JobAlreadyActive while the first runs")
    # The first finishes: the missed minute is started then (one catch-up run), named for that minute.
    second = minute_name("forbid", minutes[1].replace(second=0))
    api.wait_for(
        lambda: second in job_names(api, namespace),
        what="the catch-up Job once the first finished",
        timeout=30,
        seen=lambda: job_names(api, namespace),
    )
    first_job = api.get(f"{jobs_path(namespace)}/{minute_name('forbid', first)}")
    catch_up = api.get(f"{jobs_path(namespace)}/{second}")
    assert first_job["status"].get("completionTime"), "Forbid: the second Job only after the first finished"
    assert catch_up["metadata"]["creationTimestamp"] >= first_job["status"]["completionTime"], (first_job, catch_up)
    for moment in minutes[2:]:
        api.wait_for(lambda: not api.get(f"{cronjobs_path(namespace)}/forbid")["status"].get("active"),
                     what="no active Job", timeout=30, seen=lambda: job_names(api, namespace))  # fmt: skip
        tick(controller, clock, namespace, "forbid", moment)
        wanted = minute_name("forbid", moment.replace(second=0))
        api.wait_for(lambda w=wanted: w in job_names(api, namespace), what=f"Job {wanted}",
                     seen=lambda: job_names(api, namespace))  # fmt: skip
    last = minute_name("forbid", minutes[3].replace(second=0))
    api.wait_for(lambda: finished(api, namespace, last), what="the last Job Complete", timeout=30)
    expected = sorted(minute_name("forbid", m.replace(second=0)) for m in minutes[2:])
    api.wait_for(lambda: job_names(api, namespace) == expected, what="history trimmed to the 2 newest successes",
                 timeout=30, seen=lambda: job_names(api, namespace))  # fmt: skip
    status = api.wait_for(
        lambda: not (s := api.get(f"{cronjobs_path(namespace)}/forbid")["status"]).get("active") and s,
        what="the finished Job out of status.active",
    )
    assert status["lastScheduleTime"] == minutes[3].replace(second=0).strftime("%Y-%m-%dT%H:%M:%SZ"), status
    assert status.get("lastSuccessfulTime") and not status.get("active"), status


def test_replace_deletes_the_running_job_for_the_next_one(api, namespace, controller, clock):
    api.create(cronjobs_path(namespace), cronjob("replace", exit_code=None, concurrencyPolicy="Replace"))
    first = cron.next_run(EVERY_MINUTE, clock())
    second = cron.next_run(EVERY_MINUTE, first)
    tick(controller, clock, namespace, "replace", first.replace(second=5))
    api.wait_for(lambda: job_names(api, namespace) == [minute_name("replace", first)], what="first Job")
    tick(controller, clock, namespace, "replace", second.replace(second=5))
    api.wait_for(lambda: job_names(api, namespace) == [minute_name("replace", second)],
                 what="the first Job replaced by the second", seen=lambda: job_names(api, namespace))  # fmt: skip
    # The Job shows up before the CronJob's status write that lists it: wait for that write too.
    api.wait_for(
        lambda: (
            [ref["name"] for ref in api.get(f"{cronjobs_path(namespace)}/replace")["status"].get("active") or []]
            == [minute_name("replace", second)]
        ),
        what="status.active naming only the second Job",
        seen=lambda: api.get(f"{cronjobs_path(namespace)}/replace")["status"],
    )


def test_after_downtime_only_the_most_recent_missed_run_starts(api, namespace, controller, clock):
    created = api.create(cronjobs_path(namespace), cronjob("missed"))
    assert created["metadata"]["creationTimestamp"]
    later = clock.advance(150 * 60)
    controller.enqueue(f"{namespace}/missed")
    latest = cron.previous_run(EVERY_MINUTE, later)
    api.wait_for(lambda: job_names(api, namespace) == [minute_name("missed", latest)], what="exactly one catch-up Job",
                 seen=lambda: job_names(api, namespace))  # fmt: skip
    warning = api.wait_for(lambda: events(api, namespace, "TooManyMissedTimes"), what="TooManyMissedTimes event")
    assert warning[0]["message"].startswith("too many missed start times: 101"), warning[0]["message"]

    api.create(cronjobs_path(namespace), cronjob("deadline", startingDeadlineSeconds=10))
    beyond = cron.next_run(EVERY_MINUTE, clock()).replace(second=30)
    api.wait_for(lambda: controller.controller.queue.processing() == set() and not len(controller.controller.queue),
                 what="the controller idle")  # fmt: skip
    before = controller.metrics.reconciles
    tick(controller, clock, namespace, "deadline", beyond)
    api.wait_for(lambda: controller.metrics.reconciles > before, what="a reconcile 30 s after the start time")
    assert minute_name("deadline", beyond.replace(second=0)) not in job_names(api, namespace), "past the deadline"
    tick(controller, clock, namespace, "deadline", beyond.replace(second=4))
    api.wait_for(lambda: minute_name("deadline", beyond.replace(second=0)) in job_names(api, namespace),
                 what="a Job within startingDeadlineSeconds", seen=lambda: job_names(api, namespace))  # fmt: skip


def test_suspended_cronjob_starts_nothing_until_resumed(api, namespace, controller, clock):
    path = f"{cronjobs_path(namespace)}/paused"
    api.create(cronjobs_path(namespace), cronjob("paused", suspend=True))
    tick(controller, clock, namespace, "paused", cron.next_run(EVERY_MINUTE, clock()).replace(second=2))
    api.merge_patch(path, {"metadata": {"labels": {"looked": "yes"}}})  # one more sync, still suspended
    assert not job_names(api, namespace)
    api.merge_patch(path, {"spec": {"suspend": False}})
    api.wait_for(
        lambda: len(job_names(api, namespace)) == 1, what="a Job once resumed", seen=lambda: job_names(api, namespace)
    )


def test_kubectl_create_job_from_cronjob_and_get_cronjobs(api, kubectl, namespace, controller):
    api.create(cronjobs_path(namespace), cronjob("manual", schedule="@hourly", timeZone="Europe/Paris"))
    kubectl.run("create", "job", "by-hand", "--from=cronjob/manual", "-n", namespace)
    done = api.wait_for(lambda: finished(api, namespace, "by-hand"), what="the hand-made Job Complete")
    assert done["metadata"]["annotations"]["cronjob.kubernetes.io/instantiate"] == "manual"
    table = kubectl.run("get", "cronjobs", "-n", namespace).stdout.splitlines()
    assert table[0].split()[:6] == ["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST"], table
    assert table[1].split()[:4] == ["manual", "@hourly", "Europe/Paris", "False"], table
