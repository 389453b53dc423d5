"""Bearer-token authentication (STUB on the sec-rbac branch; the lead's branch has the real one).

review(ctx, token, audiences) ──► (UserInfo | None, the audiences it is valid for, error text)
"""

from __future__ import annotations

from apiserver.authentication.user import UserInfo


async def review(ctx, token: str, audiences: list[str]) -> tuple[UserInfo | None, list[str], str]:
    return None, [], ""
