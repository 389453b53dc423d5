"""DefaultTolerationSeconds: a pod that does not tolerate a node going not-ready or unreachable
(NoExecute) gets tolerations for both, for 300 s by default (--default-not-ready-toleration-seconds,
--default-unreachable-toleration-seconds), so the taint manager evicts it that long after the node's
trouble starts, as kube-apiserver's plugin/pkg/admission/defaulttolerationseconds does.
"""

from __future__ import annotations

from apiserver.admission import AdmissionPlugin, Attributes

NOT_READY_TAINT = "node.kubernetes.io/not-ready"
UNREACHABLE_TAINT = "node.kubernetes.io/unreachable"
DEFAULT_TOLERATION_SECONDS = 300


def _tolerates(tolerations: list[dict], key: str) -> bool:
    """Whether some toleration already names `key` (or every key) with effect NoExecute (or every effect)."""
    return any((t.get("key") or key) == key and (t.get("effect") or "NoExecute") == "NoExecute" for t in tolerations)


def with_default_tolerations(spec: dict, *, not_ready_seconds: int, unreachable_seconds: int) -> None:
    tolerations = spec.get("tolerations") or []
    added = [
        {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": seconds}
        for key, seconds in ((NOT_READY_TAINT, not_ready_seconds), (UNREACHABLE_TAINT, unreachable_seconds))
        if not _tolerates(tolerations, key)
    ]
    if added:
        spec["tolerations"] = [*tolerations, *added]


class DefaultTolerationSeconds(AdmissionPlugin):
    name = "DefaultTolerationSeconds"

    def __init__(
        self,
        *,
        not_ready_seconds: int = DEFAULT_TOLERATION_SECONDS,
        unreachable_seconds: int = DEFAULT_TOLERATION_SECONDS,
    ):
        self.not_ready_seconds = not_ready_seconds
        self.unreachable_seconds = unreachable_seconds

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("", "Pod")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        with_default_tolerations(
            attrs.obj.setdefault("spec", {}),
            not_ready_seconds=self.not_ready_seconds,
            unreachable_seconds=self.unreachable_seconds,
        )
