"""What makes a kind more than its schema: one `Strategy` per kind (Kubernetes' `strategy.go`).

The generic write paths in the apiserver call a kind's strategy and never
branch on the kind themselves:

    create:  initial_status → default → validate            (+ object meta, required fields)
    update:  default → validate → validate_update           (main resource: old status kept)
    /status: validate_status_update                          (everything but status kept from old)
    read:    field_values (field selectors) · columns + cells (Table for `kubectl get`)
    serve:   to_storage / from_storage (a kind served in two versions, stored in one)

The base class is a complete strategy for a kind with no rules of its own
(a Role, a ConfigMap): subclasses override only what differs.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemini.api import names
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing

META_FIELD_LABELS = ("metadata.name", "metadata.namespace")


@dataclass(frozen=True)
class Column:
    """One column of `kubectl get` (a meta.k8s.io/v1 TableColumnDefinition)."""

    name: str
    type: str = "string"  # string | integer | number | boolean | date
    format: str = ""  # "name" marks the object's name column
    priority: int = 0  # 1: shown only with `-o wide`
    description: str = ""

    def definition(self) -> dict:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format,
            "description": self.description or self.name,
            "priority": self.priority,
        }


NAME = Column("Name", format="name", description="Name must be unique within a namespace.")
AGE = Column(
    "Age", description="CreationTimestamp is a timestamp representing the server time when this object was created."
)
CREATED_AT = Column("Created At", type="date", description="CreationTimestamp of the object")


class Strategy:
    # Kinds that count spec changes in metadata.generation (ConfigMaps, Namespaces, Nodes do not).
    tracks_generation = False
    # A DELETE that removes the object at once answers with the object (pods, namespaces, services)
    # rather than a Success Status.
    returns_deleted_object = False
    # Field-selector labels beyond metadata.name and metadata.namespace.
    field_labels: tuple[str, ...] = ()
    columns: tuple[Column, ...] = (NAME, CREATED_AT)

    # -- names ------------------------------------------------------------------------------

    def name_problem(self, name: str) -> str | None:
        """Why `name` is not a valid name for this kind (most kinds: a DNS-1123 subdomain)."""
        return names.dns1123_subdomain_problem(name)

    # -- writes -----------------------------------------------------------------------------

    def initial_status(self, obj: dict) -> dict | None:
        """The status a new object of a kind with a status subresource starts with (None: none)."""
        return None

    def default(self, obj: dict) -> None:
        """Fill the values Kubernetes defaults (runs on create and on every update)."""

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        """Semantic rules beyond types and required fields."""

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        """Rules comparing an update with the stored object (immutable fields)."""

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        """Rules for a write to `/status`."""

    def generation_changed(self, new: dict, old: dict) -> bool:
        return new.get("spec") != old.get("spec")

    def warnings(self, obj: dict) -> list[str]:
        return []

    # -- deletion ---------------------------------------------------------------------------

    def deletion_grace_seconds(self, obj: dict, requested: int | None) -> int:
        """How long a DELETE leaves the object marked before it goes (0: at once, pods wait)."""
        return 0

    def mark_deleting(self, obj: dict) -> None:
        """Changes a DELETE makes besides deletionTimestamp (a Namespace turns Terminating)."""

    def blocks_deletion(self, obj: dict) -> bool:
        """Something besides metadata.finalizers that keeps a marked object (a Namespace's spec.finalizers)."""
        return False

    # -- versions ---------------------------------------------------------------------------

    def to_storage(self, obj: dict) -> dict:
        """This served version → the stored version (identity for single-version kinds)."""
        return obj

    def from_storage(self, obj: dict) -> dict:
        return obj

    # -- reads ------------------------------------------------------------------------------

    def field_values(self, obj: dict) -> dict[str, str]:
        """Values of the kind's selectable fields (`fieldSelector=spec.nodeName=n1`)."""
        metadata = obj.get("metadata") or {}
        values = {"metadata.name": str(metadata.get("name") or "")}
        if metadata.get("namespace"):
            values["metadata.namespace"] = str(metadata["namespace"])
        return values

    def selectable_fields(self) -> tuple[str, ...]:
        return META_FIELD_LABELS + self.field_labels

    def cells(self, obj: dict) -> list:
        """One row of `kubectl get`, a value per column."""
        return [printing.name(obj), printing.created_at(obj)]
