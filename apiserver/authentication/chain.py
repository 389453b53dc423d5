"""Who is asking: the connection's certificate, else a bearer token, else anonymous; then impersonation.

scope ──► SCOPE_KEY (verified client certificate / the insecure port's trusted user) ──► that user
      ──► `Authorization: Bearer <token>` ──► tokens.authenticate_token ──► user, or 401
      ──► nothing ──► system:anonymous (unless --anonymous-auth=false: 401)
"""

from __future__ import annotations

from dataclasses import dataclass, field

from apiserver.authentication.tokens import authenticate_token
from apiserver.authentication.user import ANONYMOUS, UserInfo
from apiserver.authentication.x509 import SCOPE_KEY
from apiserver.errors import ApiError


@dataclass
class AuthenticationSettings:
    static_tokens: dict[str, UserInfo] = field(default_factory=dict)
    anonymous: bool = True
    bootstrap_tokens: bool = False  # --enable-bootstrap-token-auth


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized", reason="Unauthorized")


def header(scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


def authenticate(ctx, scope) -> UserInfo:
    connection_user = scope.get(SCOPE_KEY)
    if connection_user is not None:
        return connection_user
    authorization = header(scope, b"authorization")
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise unauthorized()
        user = authenticate_token(ctx, token.strip())
        if user is None:
            raise unauthorized()
        return user
    settings = ctx.authentication
    if settings is not None and not settings.anonymous:
        raise unauthorized()
    return ANONYMOUS
