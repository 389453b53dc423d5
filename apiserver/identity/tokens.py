"""Service-account tokens: JWTs signed RS256 with the cluster's key, claims as Kubernetes writes them.

issue(identity, namespace, account, audiences, seconds, bound=pod|secret|node)
    {iss, sub: system:serviceaccount:<ns>:<name>, aud, exp, iat, nbf, jti,
     kubernetes.io: {namespace, serviceaccount: {name, uid}, pod|secret|node: {name, uid}}}
verify(identity, token, audiences) ──► the claims, or InvalidToken
jwks(identity) ──► the public key set served at /openid/v1/jwks
"""

from __future__ import annotations

import json
import time
import uuid

import jwt
from jwt.algorithms import RSAAlgorithm

from apiserver.identity.pki import ClusterIdentity

ISSUER = "https://kubernetes.default.svc.cluster.local"
API_AUDIENCES = (ISSUER,)
ALGORITHM = "RS256"


class InvalidToken(ValueError):
    pass


def issue(
    identity: ClusterIdentity,
    *,
    namespace: str,
    account: dict,
    audiences: list[str],
    seconds: int,
    bound: tuple[str, dict] | None = None,
    now: float | None = None,
) -> tuple[str, int]:
    """(the token, its expiry as a Unix time)."""
    issued = int(now if now is not None else time.time())
    metadata = account["metadata"]
    private = {"namespace": namespace, "serviceaccount": {"name": metadata["name"], "uid": metadata.get("uid", "")}}
    if bound is not None:
        kind, obj = bound
        private[kind.lower()] = {"name": obj["metadata"]["name"], "uid": obj["metadata"].get("uid", "")}
    claims = {
        "aud": audiences,
        "exp": issued + seconds,
        "iat": issued,
        "iss": ISSUER,
        "jti": str(uuid.uuid4()),
        "kubernetes.io": private,
        "nbf": issued,
        "sub": f"system:serviceaccount:{namespace}:{metadata['name']}",
    }
    token = jwt.encode(claims, identity.signing_key_pem, algorithm=ALGORITHM, headers={"kid": identity.key_id})
    return token, issued + seconds


def verify(identity: ClusterIdentity, token: str, audiences: tuple[str, ...] = API_AUDIENCES) -> dict:
    try:
        return jwt.decode(
            token, identity.public_key_pem, algorithms=[ALGORITHM], audience=list(audiences), issuer=ISSUER
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc


def jwks(identity: ClusterIdentity) -> dict:
    key = json.loads(RSAAlgorithm.to_jwk(identity.signing_key.public_key()))
    key.pop("key_ops", None)
    key.update({"use": "sig", "kid": identity.key_id, "alg": ALGORITHM})
    return {"keys": [key]}


def openid_configuration(issuer: str = ISSUER) -> dict:
    return {
        "issuer": issuer,
        "jwks_uri": f"{issuer}/openid/v1/jwks",
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
    }
