"""A ServiceAccount with a role bound and a token for it (TokenRequest): an identity to log in as.

    ServiceAccount <ns>/<name> ──► ClusterRoleBinding (cluster-wide) or RoleBinding (one namespace)
    to a ClusterRole (`cluster-admin`, `edit`, `view`, ...: the
aggregated ones get their rules from the controller-manager) or a Role ──► POST serviceaccounts/<name>/token
`kubectl create sa NAME; kubectl create rolebinding ... --clusterrole view --serviceaccount ns:NAME;
kubectl create token NAME` does the same.
"""

from __future__ import annotations

import time

import httpx

from kubemini.client.credentials import ClientConfig
from tests.support.api_http import credentials_for

TOKEN_SECONDS = 3600
BINDING_DEADLINE_SECONDS = 15.0


def service_account_token(
    api: httpx.Client,
    namespace: str,
    name: str,
    *,
    cluster_role: str | None = None,
    role: str | None = None,
    cluster_wide: bool = False,
) -> str:
    """A token of a new ServiceAccount bound to `cluster_role` (or to the namespace's Role `role`)."""
    api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts", json={"metadata": {"name": name}}).raise_for_status()
    subject = {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    binding = {
        "metadata": {"name": f"{namespace}-{name}-{cluster_role or role}"},
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole" if cluster_role else "Role",
            "name": cluster_role or role,
        },
        "subjects": [subject],
    }
    path = "/apis/rbac.authorization.k8s.io/v1/" + (
        "clusterrolebindings" if cluster_wide else f"namespaces/{namespace}/rolebindings"
    )
    api.post(path, json=binding).raise_for_status()
    request = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
               "spec": {"expirationSeconds": TOKEN_SECONDS}}  # fmt: skip
    answer = api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token", json=request)
    answer.raise_for_status()
    token = answer.json()["status"]["token"]
    _wait_until_bound(str(api.base_url), token, namespace)
    return token


def _wait_until_bound(server: str, token: str, namespace: str) -> None:
    """The authorizer learns of a new binding through its watch: ask as the account until it knows."""
    own = credentials_for(server)
    config = ClientConfig(server.rstrip("/"), ca_pem=own.ca_pem if own else None, token=token)
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
              "spec": {"resourceAttributes": {"verb": "list", "resource": "pods", "namespace": namespace}}}  # fmt: skip
    deadline = time.monotonic() + BINDING_DEADLINE_SECONDS
    with httpx.Client(base_url=config.server, verify=config.ssl_context(), headers=config.headers()) as client:
        while time.monotonic() < deadline:
            answer = client.post("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", json=review)
            if answer.is_success and answer.json()["status"].get("allowed"):
                return
            time.sleep(0.1)
    raise AssertionError(f"the binding did not take effect within {BINDING_DEADLINE_SECONDS}s: {answer.text}")
