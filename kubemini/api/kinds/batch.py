"""batch/v1: Jobs and CronJobs."""

from __future__ import annotations

from datetime import UTC, datetime

from kubemini.api import cron, timestamps
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.core.controllers import CONTAINERS, IMAGES, SELECTOR, default_template
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_immutable, check_non_negative, check_one_of, check_positive
from kubemini.api.validation.pod_template import validate_selector_matches_template, validate_template

JOB_RESTART_POLICIES = ("OnFailure", "Never")
COMPLETION_MODES = ("NonIndexed", "Indexed")
POD_REPLACEMENT_POLICIES = ("TerminatingOrFailed", "Failed")
CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid"
JOB_NAME_LABEL = "batch.kubernetes.io/job-name"
LEGACY_CONTROLLER_UID_LABEL = "controller-uid"
LEGACY_JOB_NAME_LABEL = "job-name"
DEFAULT_BACKOFF_LIMIT = 6
MAX_INT32 = 2**31 - 1
CRONJOB_NAME_MAX = 52


def _condition_true(obj: dict, kind: str) -> bool:
    for condition in printing.status(obj).get("conditions") or []:
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def job_status(obj: dict) -> str:
    """The STATUS column: the first of Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet."""
    if _condition_true(obj, "Complete"):
        return "Complete"
    if _condition_true(obj, "Failed"):
        return "Failed"
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if _condition_true(obj, kind):
            return kind
    return "Running"


def _duration(obj: dict) -> str:
    status = printing.status(obj)
    start = status.get("startTime")
    if not start:
        return ""
    end = timestamps.parse(status["completionTime"]) if status.get("completionTime") else datetime.now(UTC)
    return printing.human_age((end - timestamps.parse(start)).total_seconds())


def _completions(obj: dict) -> str:
    spec, succeeded = printing.spec(obj), printing.status(obj).get("succeeded", 0)
    if spec.get("completions") is not None:
        return f"{succeeded}/{spec['completions']}"
    parallelism = spec.get("parallelism", 1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def default_job_spec(spec: dict) -> None:
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    if "backoffLimit" not in spec:
        spec["backoffLimit"] = MAX_INT32 if spec.get("backoffLimitPerIndex") is not None else DEFAULT_BACKOFF_LIMIT
    spec.setdefault("podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed")
    default_template(spec.get("template"))


def validate_job_spec(spec: dict, errors: FieldErrors, *, path: str = "spec", generated_selector: bool = True) -> None:
    for key in ("parallelism", "completions", "backoffLimit", "activeDeadlineSeconds", "ttlSecondsAfterFinished"):
        check_non_negative(spec.get(key), f"{path}.{key}", errors)
    check_positive(spec.get("activeDeadlineSeconds"), f"{path}.activeDeadlineSeconds", errors)
    check_one_of(spec.get("completionMode"), f"{path}.completionMode", COMPLETION_MODES, errors)
    check_one_of(spec.get("podReplacementPolicy"), f"{path}.podReplacementPolicy", POD_REPLACEMENT_POLICIES, errors)
    if spec.get("completionMode") == "Indexed" and spec.get("completions") is None:
        errors.required(f"{path}.completions")
    if generated_selector:
        validate_selector_matches_template(spec, errors, selector_path=f"{path}.selector")
    validate_template(spec.get("template"), f"{path}.template", errors, restart_policies=JOB_RESTART_POLICIES)


class JobStrategy(Strategy):
    tracks_generation = True
    field_labels = ("status.successful",)
    columns = (
        NAME,
        Column("Status", description="Status of the job."),
        Column("Completions", description="The completion status of the job."),
        Column("Duration", description="Time required to complete the job."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        default_job_spec(spec)
        if not spec.get("manualSelector"):
            self._generate_selector(obj)

    def _generate_selector(self, obj: dict) -> None:
        """Kubernetes gives each Job a selector on its own uid, and its pods the labels that match it."""
        metadata = obj.get("metadata") or {}
        uid, name = metadata.get("uid"), metadata.get("name")
        spec = obj["spec"]
        if not uid or not name or spec.get("selector"):
            return
        spec["selector"] = {"matchLabels": {CONTROLLER_UID_LABEL: uid}}
        template = spec.setdefault("template", {})
        labels = template.setdefault("metadata", {}).setdefault("labels", {})
        labels.setdefault(CONTROLLER_UID_LABEL, uid)
        labels.setdefault(JOB_NAME_LABEL, name)
        labels.setdefault(LEGACY_CONTROLLER_UID_LABEL, uid)
        labels.setdefault(LEGACY_JOB_NAME_LABEL, name)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        validate_job_spec(printing.spec(obj), errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        old_spec, new_spec = printing.spec(old), printing.spec(new)
        check_immutable(new_spec.get("selector"), old_spec.get("selector"), "spec.selector", errors)
        check_immutable(new_spec.get("completionMode"), old_spec.get("completionMode"), "spec.completionMode", errors)
        if new_spec.get("completionMode") != "Indexed" or new_spec.get("completions") != new_spec.get("parallelism"):
            check_immutable(new_spec.get("completions"), old_spec.get("completions"), "spec.completions", errors)
        if not (old_spec.get("suspend") and not printing.status(old).get("startTime")):
            old_template = old_spec.get("template")
            check_immutable(new_spec.get("template"), old_template, "spec.template", errors)

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["status.successful"] = str(printing.status(obj).get("succeeded") or 0)
        return values

    def cells(self, obj: dict) -> list:
        return [
            printing.name(obj),
            job_status(obj),
            _completions(obj),
            _duration(obj),
            printing.age(obj),
            *printing.workload_wide(obj),
        ]


class CronJobStrategy(Strategy):
    tracks_generation = True
    columns = (
        NAME,
        Column("Schedule", description="The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        Column(
            "Timezone",
            description="The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.",
        ),
        Column(
            "Suspend",
            type="boolean",
            description="This flag tells the controller to suspend subsequent executions, it does not apply to "
            "already started executions.",
        ),
        Column("Active", type="integer", description="A list of pointers to currently running jobs."),
        Column("Last Schedule", description="Information when was the last time the job was successfully scheduled."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        job_spec = spec.setdefault("jobTemplate", {}).setdefault("spec", {})
        default_job_spec(job_spec)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        name = (obj.get("metadata") or {}).get("name") or ""
        if len(name) > CRONJOB_NAME_MAX:
            errors.invalid("metadata.name", name, f"must be no more than {CRONJOB_NAME_MAX} characters")
        spec = printing.spec(obj)
        schedule = spec.get("schedule")
        if not schedule:
            errors.required("spec.schedule")
        elif problem := cron.schedule_problem(schedule):
            errors.invalid("spec.schedule", schedule, problem)
        if spec.get("timeZone") is not None and (problem := cron.time_zone_problem(spec["timeZone"])):
            errors.invalid("spec.timeZone", spec["timeZone"], problem)
        check_one_of(spec.get("concurrencyPolicy"), "spec.concurrencyPolicy", CONCURRENCY_POLICIES, errors)
        for key in ("startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
            check_non_negative(spec.get(key), f"spec.{key}", errors)
        job_spec = (spec.get("jobTemplate") or {}).get("spec")
        if job_spec is None:
            errors.required("spec.jobTemplate.spec")
            return
        validate_job_spec(job_spec, errors, path="spec.jobTemplate.spec", generated_selector=False)

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
        containers, images = printing.template_containers((job_spec.get("template") or {}).get("spec"))
        suspend = spec.get("suspend")
        last = status.get("lastScheduleTime")
        return [
            printing.name(obj),
            spec.get("schedule", ""),
            spec.get("timeZone") or printing.NONE,
            printing.UNSET if suspend is None else ("True" if suspend else "False"),
            len(status.get("active") or []),
            printing.since(last) if last else printing.NONE,
            printing.age(obj),
            containers,
            images,
            printing.label_selector(job_spec.get("selector")),
        ]
