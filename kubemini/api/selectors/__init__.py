"""Label and field selectors (`labels`, `fields`): parsed as strictly as Kubernetes, and matched."""

from kubemini.api.selectors.fields import FieldRequirement, check_field_labels, fields_match, parse_field_selector
from kubemini.api.selectors.labels import (
    Requirement,
    SelectorError,
    labels_match,
    parse_label_selector,
    selector_from_label_selector,
    selector_to_string,
)

__all__ = [
    "FieldRequirement",
    "Requirement",
    "SelectorError",
    "check_field_labels",
    "fields_match",
    "labels_match",
    "parse_field_selector",
    "parse_label_selector",
    "selector_from_label_selector",
    "selector_to_string",
]
