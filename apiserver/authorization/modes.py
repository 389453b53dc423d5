"""`--authorization-mode`: the authorizers a request goes through, in order (placeholder until RBAC lands)."""

from __future__ import annotations

from apiserver.authorization.attributes import Decision, Verdict


class AlwaysAllow:
    async def authorize(self, ctx, attrs) -> Verdict:
        return Verdict(Decision.ALLOW)


def build_authorization(modes: list[str]):
    return None if modes == ["AlwaysAllow"] else AlwaysAllow()
