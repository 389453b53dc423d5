"""The CustomResourceDefinition kind (apiextensions.k8s.io/v1), cluster-scoped, with a status subresource.

create: defaults (conversion None, singular, listKind) ──► validate_crd ──► status starts with the
        storage version in storedVersions; the apiserver's CRD controller fills names and conditions
update: the same, plus immutable scope once Established; a new storage version is appended to
        storedVersions
delete: marked, with the `customresourcecleanup.apiextensions.k8s.io` finalizer and a Terminating
        condition; the apiserver deletes every custom resource, drops the finalizer, then the routes
"""

from __future__ import annotations

from kubemini.api import timestamps
from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds.apiextensions import naming
from kubemini.api.kinds.apiextensions.crd_validation import validate_crd, validate_crd_update
from kubemini.api.kinds.strategy import Strategy

CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def storage_version(crd: dict) -> str | None:
    for version in (crd.get("spec") or {}).get("versions") or []:
        if isinstance(version, dict) and version.get("storage"):
            return version.get("name")
    return None


class CustomResourceDefinitionStrategy(Strategy):
    tracks_generation = True

    def initial_status(self, obj: dict) -> dict:
        stored = storage_version(obj)
        return {
            "acceptedNames": {"plural": "", "kind": ""},
            "conditions": [],
            "storedVersions": [stored] if stored else [],
        }

    def default(self, obj: dict) -> None:
        spec = obj.get("spec")
        if not isinstance(spec, dict):
            return
        conversion = spec.setdefault("conversion", {})
        if isinstance(conversion, dict):
            conversion.setdefault("strategy", "None")
        names = spec.get("names")
        if isinstance(names, dict) and names.get("kind"):
            names.setdefault("singular", str(names["kind"]).lower())
            names.setdefault("listKind", f"{names['kind']}List")
        for version in spec.get("versions") or []:
            for column in (version.get("additionalPrinterColumns") or []) if isinstance(version, dict) else []:
                if isinstance(column, dict):
                    column.setdefault("priority", 0)
        status, stored = obj.get("status"), storage_version(obj)
        if isinstance(status, dict) and stored and stored not in (status.get("storedVersions") or []):
            status["storedVersions"] = [*(status.get("storedVersions") or []), stored]

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        validate_crd(obj, errors)

    def validate_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        validate_crd_update(new, old, errors)

    def validate_status_update(self, new: dict, old: dict, errors: FieldErrors) -> None:
        validate_crd_update(new, old, errors)

    def mark_deleting(self, obj: dict) -> None:
        if naming.condition(obj, naming.TERMINATING) is not None:
            return  # marked before: the finalizer may already be done and gone
        metadata = obj["metadata"]
        finalizers = list(metadata.get("finalizers") or [])
        if CLEANUP_FINALIZER not in finalizers:
            metadata["finalizers"] = [*finalizers, CLEANUP_FINALIZER]
        obj["status"] = naming.terminating_status(obj, timestamps.now())
