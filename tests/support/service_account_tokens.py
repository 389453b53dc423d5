"""A ServiceAccount with a role bound and a token for it (TokenRequest): an identity to log in as.

    ServiceAccount <ns>/<name> ──► ClusterRoleBinding (cluster-wide) or RoleBinding (one namespace)
    to a ClusterRole (`cluster-admin`, `edit`, `view`, ...) ──► POST serviceaccounts/<name>/token
`kubectl create sa NAME; kubectl create rolebinding ... --clusterrole view --serviceaccount ns:NAME;
kubectl create token NAME` does the same.
"""

from __future__ import annotations

import httpx

TOKEN_SECONDS = 3600


def service_account_token(
    api: httpx.Client, namespace: str, name: str, *, cluster_role: str, cluster_wide: bool = False
) -> str:
    api.post(f"/api/v1/namespaces/{namespace}/serviceaccounts", json={"metadata": {"name": name}}).raise_for_status()
    subject = {"kind": "ServiceAccount", "name": name, "namespace": namespace}
    binding = {
        "metadata": {"name": f"{namespace}-{name}-{cluster_role}"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_role},
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
    return answer.json()["status"]["token"]
