"""ReplicationControllers and PodTemplates."""

from __future__ import annotations

from kubemini.api.defaults import default_pod_spec
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.selectors import labels_match, selector_from_label_selector
from kubemini.api.validation.common import check_non_negative
from kubemini.api.validation.metadata import validate_labels
from kubemini.api.validation.pod_template import validate_template

CONTAINERS = Column("Containers", priority=1, description="Names of each container in the template.")
IMAGES = Column("Images", priority=1, description="Images referenced by each container in the template.")
SELECTOR = Column("Selector", priority=1, description="Label selector for pods.")


def default_template(template: dict | None) -> None:
    if isinstance(template, dict):
        template.setdefault("metadata", {})
        default_pod_spec(template.setdefault("spec", {}))


class ReplicationControllerStrategy(Strategy):
    tracks_generation = True
    field_labels = ("status.replicas",)
    columns = (
        NAME,
        Column("Desired", type="integer", description="Replicas is the number of desired replicas."),
        Column("Current", type="integer", description="Replicas is the most recently observed number of replicas."),
        Column("Ready", type="integer", description="The number of ready replicas for this replication controller."),
        AGE,
        CONTAINERS,
        IMAGES,
        SELECTOR,
    )

    def default(self, obj: dict) -> None:
        spec = obj.setdefault("spec", {})
        template = spec.get("template")
        labels = ((template or {}).get("metadata") or {}).get("labels")
        # An RC's selector and labels default from its template's labels (core/v1 SetDefaults_ReplicationController).
        if labels:
            spec.setdefault("selector", dict(labels))
            metadata = obj.setdefault("metadata", {})
            if not metadata.get("labels"):
                metadata["labels"] = dict(labels)
        spec.setdefault("replicas", 1)
        spec.setdefault("minReadySeconds", 0)
        default_template(template)

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = obj.get("spec") or {}
        selector = spec.get("selector")
        if not selector:
            errors.required("spec.selector")
        else:
            validate_labels(selector, "spec.selector", errors)
        check_non_negative(spec.get("replicas"), "spec.replicas", errors)
        check_non_negative(spec.get("minReadySeconds"), "spec.minReadySeconds", errors)
        template = spec.get("template")
        if template is None:
            errors.required("spec.template")
            return
        validate_template(template, "spec.template", errors)
        labels = (template.get("metadata") or {}).get("labels") or {}
        if selector and not labels_match(selector_from_label_selector({"matchLabels": selector}), labels):
            errors.invalid("spec.template.metadata.labels", labels, "`selector` does not match template `labels`")

    def field_values(self, obj: dict) -> dict[str, str]:
        values = super().field_values(obj)
        values["status.replicas"] = str(printing.status(obj).get("replicas") or 0)
        return values

    def cells(self, obj: dict) -> list:
        spec, status = printing.spec(obj), printing.status(obj)
        containers, images = printing.template_containers((spec.get("template") or {}).get("spec"))
        return [
            printing.name(obj),
            spec.get("replicas", 0),
            status.get("replicas", 0),
            status.get("readyReplicas", 0),
            printing.age(obj),
            containers,
            images,
            printing.map_selector(spec.get("selector")),
        ]


class PodTemplateStrategy(Strategy):
    tracks_generation = False
    columns = (
        NAME,
        Column("Containers", description="Names of each container in the template."),
        Column("Images", description="Images referenced by each container in the template."),
        Column("Pod Labels", description="The labels for the pod template."),
    )

    def default(self, obj: dict) -> None:
        default_template(obj.get("template"))

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        validate_template(obj.get("template"), "template", errors, restart_policies=("Always", "OnFailure", "Never"))

    def generation_changed(self, new: dict, old: dict) -> bool:
        return new.get("template") != old.get("template")

    def cells(self, obj: dict) -> list:
        template = obj.get("template") or {}
        containers, images = printing.template_containers(template.get("spec"))
        labels = (template.get("metadata") or {}).get("labels")
        return [printing.name(obj), containers, images, printing.map_selector(labels)]
