"""Bootstrap token authenticator (`--enable-bootstrap-token-auth`), as upstream's
plugin/pkg/auth/authenticator/token/bootstrap.

    "<id>.<secret>" ──► Secret kube-system/bootstrap-token-<id>, read from the Secrets watch cache
        (a dictionary lookup: no etcd read per request)
        missing, being deleted, wrong type, token-secret or token-id differs, expired,
        usage-bootstrap-authentication != "true", a bad auth-extra-groups entry ──► None (401)
        otherwise ──► system:bootstrap:<id> in system:bootstrappers (+ auth-extra-groups), system:authenticated
Any other token shape is not ours (None): the next authenticator looks at it.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apiserver.authentication.user import AUTHENTICATED_GROUP, UserInfo
from kubemini.api import bootstrap_tokens as bt
from kubemini.api import registry

log = logging.getLogger("apiserver.authentication")


def _why_not(secret: dict, token: bt.BootstrapToken, now: datetime) -> str | None:
    if (secret.get("metadata") or {}).get("deletionTimestamp"):
        return "is deleted and awaiting removal"
    if not bt.is_token_secret(secret) or not secret.get("data"):
        return f"has invalid type, expected {bt.SECRET_TYPE}."
    if not bt.secrets_match(bt.secret_data(secret, bt.SECRET_KEY), token.secret):
        return f"has invalid value for key {bt.SECRET_KEY}."
    if bt.secret_data(secret, bt.ID_KEY) != token.id:
        return f"has invalid value for key {bt.ID_KEY}, expected {token.id}."
    if bt.has_expired(secret, now):
        return "has expired."
    if not bt.has_usage(secret, bt.USAGE_AUTHENTICATION):
        return f"not marked {bt.USAGE_PREFIX}{bt.USAGE_AUTHENTICATION}=true."
    return None


def authenticate_bootstrap_token(ctx, text: str, *, now: datetime | None = None) -> UserInfo | None:
    """The bootstrap user `text` stands for, or None."""
    if not bt.is_token(text):
        return None
    token = bt.parse_token(text)
    record = registry.by_kind("Secret")
    secret = ctx.cache(record).objects.get(record.storage_key(token.secret_name, bt.SECRET_NAMESPACE))
    if secret is None:
        log.debug("No secret of name %s to match bootstrap bearer token", token.secret_name)
        return None
    reason = _why_not(secret, token, now or datetime.now(UTC))
    if reason is None:
        try:
            groups = bt.token_groups(secret)
        except bt.TokenError as error:
            reason = f"has invalid value for key {bt.EXTRA_GROUPS_KEY}: {error}."
    if reason is not None:
        log.info("Bootstrap secret %s/%s matching bearer token %s", bt.SECRET_NAMESPACE, token.secret_name, reason)
        return None
    return UserInfo(token.user, groups=(*groups, AUTHENTICATED_GROUP))
