"""Bearer tokens: the static token file, bootstrap tokens, then ServiceAccount JWTs signed by the cluster's key.

token ──► static file entry? ──► its user
      ──► `<id>.<secret>` with --enable-bootstrap-token-auth ──► bootstrap_tokens.py (system:bootstrap:<id>)
      ──► a JWT our issuer signed (apiserver/identity/tokens.py verify: signature, audience, expiry)
          ──► the ServiceAccount still exists with the token's uid, and so does the bound Pod/Secret/Node
          ──► system:serviceaccount:<ns>:<name> in system:serviceaccounts(:<ns>), extra pod-name/pod-uid
      ──► otherwise not authenticated (401)
Verified claims are cached per token until they expire; the bound objects are checked on every use
(a token dies with its pod), against the watch caches, so a request pays a dictionary lookup.
"""

from __future__ import annotations

import time

from apiserver.authentication.bootstrap_tokens import authenticate_bootstrap_token
from apiserver.authentication.user import AUTHENTICATED_GROUP, SERVICE_ACCOUNTS_GROUP, UserInfo
from apiserver.identity import tokens as jwt_tokens
from kubemini.api import registry

CACHE_ENTRIES = 4096
BOUND_RECORDS = {"pod": "Pod", "secret": "Secret", "node": "Node"}
_claims_cache: dict[tuple[str, tuple[str, ...]], dict] = {}


def _verified_claims(identity, token: str, audiences: tuple[str, ...]) -> dict | None:
    key = (token, audiences)
    claims = _claims_cache.get(key)
    if claims is not None and claims.get("exp", 0) > time.time():
        return claims
    try:
        claims = jwt_tokens.verify(identity, token, audiences)
    except jwt_tokens.InvalidToken:
        return None
    if len(_claims_cache) >= CACHE_ENTRIES:
        _claims_cache.clear()
    _claims_cache[key] = claims
    return claims


def _stored(ctx, kind: str, name: str, namespace: str | None) -> dict | None:
    record = registry.by_kind(kind)
    cache = ctx.cache(record)
    return cache.objects.get(record.storage_key(name, namespace if record.namespaced else None))


def _bound_objects_alive(ctx, private: dict) -> bool:
    namespace = private.get("namespace", "")
    account = private.get("serviceaccount") or {}
    stored = _stored(ctx, "ServiceAccount", account.get("name", ""), namespace)
    if stored is None or (account.get("uid") and stored["metadata"].get("uid") != account["uid"]):
        return False
    for claim, kind in BOUND_RECORDS.items():
        bound = private.get(claim)
        if bound is None:
            continue
        found = _stored(ctx, kind, bound.get("name", ""), namespace)
        if found is None or found["metadata"].get("uid") != bound.get("uid"):
            return False
        if kind == "Pod" and found["metadata"].get("deletionTimestamp") and not found["metadata"].get("finalizers"):
            return False
    return True


def _service_account_user(claims: dict) -> UserInfo:
    private = claims.get("kubernetes.io") or {}
    namespace = private.get("namespace", "")
    account = private.get("serviceaccount") or {}
    extra = []
    if "pod" in private:
        extra += [
            ("authentication.kubernetes.io/pod-name", (private["pod"].get("name", ""),)),
            ("authentication.kubernetes.io/pod-uid", (private["pod"].get("uid", ""),)),
        ]
    if "node" in private:
        extra.append(("authentication.kubernetes.io/node-name", (private["node"].get("name", ""),)))
    if claims.get("jti"):
        extra.append(("authentication.kubernetes.io/credential-id", (f"JTI={claims['jti']}",)))
    return UserInfo(
        f"system:serviceaccount:{namespace}:{account.get('name', '')}",
        uid=account.get("uid", ""),
        groups=(SERVICE_ACCOUNTS_GROUP, f"{SERVICE_ACCOUNTS_GROUP}:{namespace}", AUTHENTICATED_GROUP),
        extra=tuple(extra),
    )


def authenticate_token(ctx, token: str, audiences: tuple[str, ...] | None = None) -> UserInfo | None:
    """The user a bearer token stands for, or None when it proves nothing."""
    static = (ctx.authentication.static_tokens if ctx.authentication else None) or {}
    if token in static:
        return static[token]
    if ctx.authentication is not None and ctx.authentication.bootstrap_tokens:
        if (bootstrap_user := authenticate_bootstrap_token(ctx, token)) is not None:
            return bootstrap_user
    if ctx.identity is None or token.count(".") != 2:
        return None
    claims = _verified_claims(ctx.identity, token, audiences or jwt_tokens.API_AUDIENCES)
    if claims is None or not _bound_objects_alive(ctx, claims.get("kubernetes.io") or {}):
        return None
    return _service_account_user(claims)


async def review(ctx, token: str, audiences: list[str] | None = None) -> tuple[UserInfo | None, list[str], str]:
    """A TokenReview's answer: (the user, the audiences the token is valid for, an error text)."""
    wanted = tuple(audiences) if audiences else jwt_tokens.API_AUDIENCES
    user = authenticate_token(ctx, token, wanted)
    if user is None:
        return None, [], "invalid bearer token, token lookup failed"
    return user, list(wanted), ""
