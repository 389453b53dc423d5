"""coordination.k8s.io/v1: Leases."""

from __future__ import annotations

from kubemini.api.field_errors import FieldErrors
from kubemini.api.kinds import printing
from kubemini.api.kinds.strategy import AGE, NAME, Column, Strategy
from kubemini.api.validation.common import check_non_negative, check_positive


class LeaseStrategy(Strategy):
    columns = (
        NAME,
        Column("Holder", description="HolderIdentity contains the identity of the holder of a current lease."),
        AGE,
    )

    def validate(self, obj: dict, errors: FieldErrors) -> None:
        spec = printing.spec(obj)
        check_positive(spec.get("leaseDurationSeconds"), "spec.leaseDurationSeconds", errors)
        check_non_negative(spec.get("leaseTransitions"), "spec.leaseTransitions", errors)

    def generation_changed(self, new: dict, old: dict) -> bool:
        return False

    def cells(self, obj: dict) -> list:
        return [printing.name(obj), printing.spec(obj).get("holderIdentity") or "", printing.age(obj)]
