"""Bootstrap tokens, as k8s.io/cluster-bootstrap defines them: the token, its Secret, its JWS.

    "abcdef.0123456789abcdef" ──parse_token──► BootstrapToken(id, secret)
    token_secret(token, expiration, usages, groups, description) ──► Secret kube-system/bootstrap-token-<id>
        type bootstrap.kubernetes.io/token, data: token-id, token-secret, expiration (RFC 3339),
        usage-bootstrap-authentication/-signing "true", auth-extra-groups "a,b", description
    secret_token(secret) ──► the token a Secret holds (None: not a well-formed bootstrap token Secret)
    expiration_of(secret, now) ──► (seconds left, expired?)   unparseable expiration = expired, as upstream
    detached_signature(content, id, secret) ──► "<header>..<signature>" (RFC 7515 appendix F, HS256,
        the secret zero-padded to 32 bytes as cluster-bootstrap's ComputeDetachedSignature does)
The Secret's `data` values are base64 (as the API stores them); `stringData` is read too, so a Secret
not yet written back by the API server reads the same.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt

from kubemini.api import timestamps

SECRET_PREFIX = "bootstrap-token-"
SECRET_TYPE = "bootstrap.kubernetes.io/token"
SECRET_NAMESPACE = "kube-system"
ID_KEY, SECRET_KEY = "token-id", "token-secret"
EXPIRATION_KEY, DESCRIPTION_KEY, EXTRA_GROUPS_KEY = "expiration", "description", "auth-extra-groups"
USAGE_PREFIX = "usage-bootstrap-"
USAGE_AUTHENTICATION, USAGE_SIGNING = "authentication", "signing"
KNOWN_USAGES = (USAGE_SIGNING, USAGE_AUTHENTICATION)
USER_PREFIX = "system:bootstrap:"
DEFAULT_GROUP = "system:bootstrappers"

CLUSTER_INFO, CLUSTER_INFO_NAMESPACE = "cluster-info", "kube-public"
KUBECONFIG_KEY = "kubeconfig"
JWS_KEY_PREFIX = "jws-kubeconfig-"

TOKEN_PATTERN = re.compile(r"\A([a-z0-9]{6})\.([a-z0-9]{16})\Z")
ID_PATTERN = re.compile(r"\A[a-z0-9]{6}\Z")
GROUP_PATTERN = re.compile(r"\Asystem:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]\Z")
SECRET_NAME_PATTERN = re.compile(r"\A" + re.escape(SECRET_PREFIX) + r"([a-z0-9]{6})\Z")
TOKEN_CHARACTERS = "0123456789abcdefghijklmnopqrstuvwxyz"
DEFAULT_TTL_SECONDS = 24 * 3600
HS256_KEY_BYTES = 32


class TokenError(ValueError):
    """A token, group or usage that is not well formed (upstream's wording)."""


@dataclass(frozen=True)
class BootstrapToken:
    id: str
    secret: str

    def __str__(self) -> str:
        return f"{self.id}.{self.secret}"

    @property
    def secret_name(self) -> str:
        return SECRET_PREFIX + self.id

    @property
    def user(self) -> str:
        return USER_PREFIX + self.id


def parse_token(text: str) -> BootstrapToken:
    match = TOKEN_PATTERN.match(text or "")
    if match is None:
        raise TokenError(f"the bootstrap token {text!r} was not of the form {TOKEN_PATTERN.pattern!r}")
    return BootstrapToken(match.group(1), match.group(2))


def is_token(text: str) -> bool:
    return TOKEN_PATTERN.match(text or "") is not None


def _random_text(length: int) -> str:
    return "".join(secrets.choice(TOKEN_CHARACTERS) for _ in range(length))


def generate_token() -> BootstrapToken:
    return BootstrapToken(_random_text(6), _random_text(16))


def validate_groups(groups: Iterable[str]) -> list[str]:
    checked = []
    for group in groups:
        if not GROUP_PATTERN.match(group):
            raise TokenError(f"bootstrap group {group!r} is invalid (must match {GROUP_PATTERN.pattern})")
        checked.append(group)
    return checked


def validate_usages(usages: Iterable[str]) -> list[str]:
    usages = list(usages)
    unknown = sorted(set(usages) - set(KNOWN_USAGES))
    if unknown:
        raise TokenError(
            f"invalid bootstrap token usage string: {','.join(unknown)}, valid usage options: {','.join(KNOWN_USAGES)}"
        )
    return usages


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def token_secret(
    token: BootstrapToken,
    *,
    expiration: datetime | None,
    usages: Iterable[str] = KNOWN_USAGES,
    groups: Iterable[str] = (),
    description: str = "",
) -> dict[str, Any]:
    """The Secret `kubeadm token create` writes for `token` (data base64-encoded)."""
    data = {ID_KEY: token.id, SECRET_KEY: token.secret}
    if description:
        data[DESCRIPTION_KEY] = description
    if expiration is not None:
        data[EXPIRATION_KEY] = timestamps.format_time(expiration)
    for usage in validate_usages(usages):
        data[USAGE_PREFIX + usage] = "true"
    extra = validate_groups(groups)
    if extra:
        data[EXTRA_GROUPS_KEY] = ",".join(extra)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": token.secret_name, "namespace": SECRET_NAMESPACE},
        "type": SECRET_TYPE,
        "data": {key: _b64(value) for key, value in data.items()},
    }


def secret_data(secret: Mapping[str, Any], key: str) -> str:
    """The text under `key` (upstream's GetData): "" when absent or undecodable."""
    plain = (secret.get("stringData") or {}).get(key)
    if isinstance(plain, str):
        return plain
    value = (secret.get("data") or {}).get(key)
    if not isinstance(value, str):
        return ""
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, ValueError):
        return ""


def is_token_secret(secret: Mapping[str, Any]) -> bool:
    return secret.get("type") == SECRET_TYPE


def secret_token(secret: Mapping[str, Any]) -> BootstrapToken | None:
    """The token of a bootstrap token Secret whose name, token-id and token-secret agree."""
    if not is_token_secret(secret):
        return None
    match = SECRET_NAME_PATTERN.match((secret.get("metadata") or {}).get("name") or "")
    token_id, token_value = secret_data(secret, ID_KEY), secret_data(secret, SECRET_KEY)
    if match is None or token_id != match.group(1) or not token_value:
        return None
    return BootstrapToken(token_id, token_value)


def expiration_of(secret: Mapping[str, Any], now: datetime) -> tuple[float, bool]:
    """(seconds until it expires, expired?) as upstream's GetExpiration: no expiration = (0, False)."""
    text = secret_data(secret, EXPIRATION_KEY)
    if not text:
        return 0.0, False
    try:
        moment = timestamps.parse(text)
    except ValueError:
        return 0.0, True
    left = (moment - now).total_seconds()
    return (0.0, True) if left <= 0 else (left, False)


def has_expired(secret: Mapping[str, Any], now: datetime) -> bool:
    return expiration_of(secret, now)[1]


def has_usage(secret: Mapping[str, Any], usage: str) -> bool:
    return secret_data(secret, USAGE_PREFIX + usage) == "true"


def token_groups(secret: Mapping[str, Any]) -> list[str]:
    """system:bootstrappers plus auth-extra-groups, sorted and deduplicated; TokenError for a bad group."""
    text = secret_data(secret, EXTRA_GROUPS_KEY)
    extra = validate_groups(text.split(",")) if text else []
    return sorted({DEFAULT_GROUP, *extra})


def secrets_match(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode())


def detached_signature(content: str, token_id: str, token_secret_value: str) -> str:
    """cluster-bootstrap's ComputeDetachedSignature: a compact HS256 JWS with the payload left out."""
    key = token_secret_value.encode().ljust(HS256_KEY_BYTES, b"\0")
    full = jwt.api_jws.encode(content.encode(), key, algorithm="HS256", headers={"kid": token_id, "typ": None})
    header, _, signature = full.split(".")
    return f"{header}..{signature}"


def signature_is_valid(signature: str, content: str, token: BootstrapToken) -> bool:
    return hmac.compare_digest(signature.encode(), detached_signature(content, token.id, token.secret).encode())
