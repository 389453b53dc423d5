"""CustomResourceTerminating: a custom resource cannot be created while its CRD is being deleted."""

from __future__ import annotations

from apiserver.admission import CREATE, AdmissionPlugin, Attributes
from apiserver.errors import ApiError


class CustomResourceTerminating(AdmissionPlugin):
    name = "CustomResourceTerminating"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.operation == CREATE and getattr(attrs.record.strategy, "terminating", False)

    async def validate(self, ctx, attrs: Attributes) -> None:
        raise ApiError(
            405, "create not allowed while custom resource definition is terminating", reason="MethodNotAllowed"
        )
