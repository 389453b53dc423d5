"""ServiceAccount (defaulting half): a pod without a service account runs as `default`."""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin, Attributes

DEFAULT_SERVICE_ACCOUNT = "default"


class ServiceAccountDefault(AdmissionPlugin):
    name = "ServiceAccount"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("", "Pod")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        spec = attrs.obj.setdefault("spec", {})
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name
