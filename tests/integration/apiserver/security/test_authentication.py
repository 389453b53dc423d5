"""Who the secure port believes a caller is: client certificates, bearer tokens (static file and
ServiceAccount JWTs bound to their pod), anonymous, impersonation, and TLS itself. Real etcd, a real
apiserver on TLS with RBAC on."""

from __future__ import annotations

import ssl

import httpx
import pytest

from kubemini.pki.certificates import issue, new_authority
from kubemini.pki.cluster_pki import ClientIdentity, kubelet_identity
from tests.support.processes import ApiServer

TOKEN = "static-token-for-carol"
RBAC = "/apis/rbac.authorization.k8s.io/v1"


@pytest.fixture(scope="module")
def secured(etcd_server, tmp_path_factory):
    base = tmp_path_factory.mktemp("secured")
    tokens = base / "tokens.csv"
    tokens.write_text(f'{TOKEN},carol,carol-uid,"readers,dev"\n')
    server = ApiServer(etcd_server.url, base / "apiserver.log", extra_args=("--token-auth-file", str(tokens))).start()
    yield server
    server.stop()


@pytest.fixture
def admin(secured):
    with secured.http(timeout=30) as client:
        yield client


def _client(secured: ApiServer, identity: ClientIdentity | None = None, **options) -> httpx.Client:
    context = ssl.create_default_context(cafile=str(secured.ca_path))
    if identity is not None:
        secured.credentials(identity)
        context.load_cert_chain(
            secured.pki.certificate_path(identity.file_stem), secured.pki.key_path(identity.file_stem)
        )
    return httpx.Client(base_url=secured.url, verify=context, timeout=30, **options)


def _whoami(client: httpx.Client) -> dict:
    answer = client.post("/apis/authentication.k8s.io/v1/selfsubjectreviews", json={})
    assert answer.status_code == 201, answer.text
    return answer.json()["status"]["userInfo"]


def test_a_client_without_the_cluster_ca_or_with_a_foreign_certificate_is_refused(secured):
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"{secured.url}/version", timeout=5)
    foreign = issue(new_authority("someone-else"), common_name="mallory", organizations=("system:masters",))
    directory = secured.pki.directory
    (directory / "mallory.crt").write_bytes(foreign.certificate_pem)
    (directory / "mallory.key").write_bytes(foreign.key_pem)
    context = ssl.create_default_context(cafile=str(secured.ca_path))
    context.load_cert_chain(directory / "mallory.crt", directory / "mallory.key")
    with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
        httpx.get(f"{secured.url}/api/v1/namespaces", verify=context, timeout=5)
    with pytest.raises(httpx.HTTPError):  # the secure port speaks no plain HTTP
        httpx.get(f"{secured.url.replace('https', 'http')}/version", timeout=5)


def test_certificates_name_the_user_and_groups(secured):
    with _client(secured, ClientIdentity("dave", "dave", ("team-a",))) as dave:
        assert _whoami(dave) == {"username": "dave", "groups": ["team-a", "system:authenticated"]}
    with _client(secured, kubelet_identity("node-x")) as kubelet:
        assert _whoami(kubelet)["username"] == "system:node:node-x"


def test_anonymous_sees_only_health_and_version(secured):
    with _client(secured) as anonymous:
        assert anonymous.get("/healthz").status_code == 200
        assert anonymous.get("/version").status_code == 200
        refused = anonymous.get("/api/v1/namespaces/default/pods")
        assert refused.status_code == 403
        assert refused.json()["message"] == (
            'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" '
            'in the namespace "default"'
        )


def test_static_tokens_authenticate_and_bad_tokens_are_401(secured):
    with _client(secured, headers={"Authorization": f"Bearer {TOKEN}"}) as carol:
        assert _whoami(carol) == {
            "username": "carol",
            "uid": "carol-uid",
            "groups": ["readers", "dev", "system:authenticated"],
        }
    with _client(secured, headers={"Authorization": "Bearer not-a-token"}) as wrong:
        refused = wrong.get("/api/v1/namespaces")
        assert refused.status_code == 401
        assert refused.json()["reason"] == "Unauthorized"


def test_a_service_account_token_works_only_while_its_pod_exists(secured, admin):
    namespace = "sa-tokens"
    assert admin.post("/api/v1/namespaces", json={"metadata": {"name": namespace}}).status_code in (201, 409)
    assert admin.post(
        f"/api/v1/namespaces/{namespace}/serviceaccounts", json={"metadata": {"name": "bot"}}
    ).status_code in (201, 409)
    pod = {
        "metadata": {"name": "holder"},
        "spec": {"serviceAccountName": "bot", "containers": [{"name": "c", "image": "kubemini/busybox:1.35"}]},
    }
    made = admin.post(f"/api/v1/namespaces/{namespace}/pods", json=pod)
    assert made.status_code == 201, made.text
    bound = {"kind": "Pod", "apiVersion": "v1", "name": "holder", "uid": made.json()["metadata"]["uid"]}
    request = {"spec": {"boundObjectRef": bound}}
    token = admin.post(f"/api/v1/namespaces/{namespace}/serviceaccounts/bot/token", json=request).json()["status"][
        "token"
    ]
    with _client(secured, headers={"Authorization": f"Bearer {token}"}) as bot:
        me = _whoami(bot)
        assert me["username"] == f"system:serviceaccount:{namespace}:bot"
        assert set(me["groups"]) == {
            "system:serviceaccounts",
            f"system:serviceaccounts:{namespace}",
            "system:authenticated",
        }
        assert me["extra"]["authentication.kubernetes.io/pod-name"] == ["holder"]
        assert bot.get(f"/api/v1/namespaces/{namespace}/pods").status_code == 403  # no role yet
        role = {
            "metadata": {"name": "pod-reader"},
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"]}],
        }
        binding = {
            "metadata": {"name": "bot-reads"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "pod-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "bot", "namespace": namespace}],
        }
        assert admin.post(f"{RBAC}/namespaces/{namespace}/roles", json=role).status_code == 201
        assert admin.post(f"{RBAC}/namespaces/{namespace}/rolebindings", json=binding).status_code == 201
        assert bot.get(f"/api/v1/namespaces/{namespace}/pods").status_code == 200
        assert bot.get(f"/api/v1/namespaces/{namespace}/secrets").status_code == 403
        gone = admin.delete(f"/api/v1/namespaces/{namespace}/pods/holder", params={"gracePeriodSeconds": "0"})
        assert gone.status_code == 200
        assert bot.get(f"/api/v1/namespaces/{namespace}/pods").status_code == 401


def test_impersonation_needs_the_impersonate_verb(secured, admin):
    erin = ClientIdentity("erin", "erin")
    with _client(secured, erin, headers={"Impersonate-User": "frank"}) as impersonating:
        refused = impersonating.get("/api/v1/namespaces")
        assert refused.status_code == 403
        assert refused.json()["message"] == (
            'users "frank" is forbidden: User "erin" cannot impersonate resource "users" in API group "" '
            "at the cluster scope"
        )
        role = {
            "metadata": {"name": "impersonate-frank"},
            "rules": [
                {"apiGroups": [""], "resources": ["users"], "verbs": ["impersonate"], "resourceNames": ["frank"]}
            ],
        }
        binding = {
            "metadata": {"name": "erin-impersonates"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "impersonate-frank"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "erin"}],
        }
        assert admin.post(f"{RBAC}/clusterroles", json=role).status_code == 201
        assert admin.post(f"{RBAC}/clusterrolebindings", json=binding).status_code == 201
        assert _whoami(impersonating) == {"username": "frank", "groups": ["system:authenticated"]}
        denied = impersonating.get("/api/v1/namespaces")  # now as frank, who may not list namespaces
        assert denied.status_code == 403 and 'User "frank"' in denied.json()["message"]
    with _client(secured, erin, headers={"Impersonate-User": "grace"}) as other:
        assert other.get("/api/v1/namespaces").status_code == 403


def test_a_kubelet_reads_only_what_pods_on_its_own_node_use(secured, admin):
    namespace = "node-scope"
    assert admin.post("/api/v1/namespaces", json={"metadata": {"name": namespace}}).status_code in (201, 409)
    for name in ("secret-a", "secret-b"):
        made = admin.post(
            f"/api/v1/namespaces/{namespace}/secrets", json={"metadata": {"name": name}, "stringData": {"k": "v"}}
        )
        assert made.status_code == 201, made.text
    for node, secret in (("node-a", "secret-a"), ("node-b", "secret-b")):
        pod = {
            "metadata": {"name": f"on-{node}"},
            "spec": {
                "nodeName": node,
                "containers": [{"name": "c", "image": "kubemini/busybox:1.35"}],
                "volumes": [{"name": "s", "secret": {"secretName": secret}}],
            },
        }
        assert admin.post(f"/api/v1/namespaces/{namespace}/pods", json=pod).status_code == 201
    with _client(secured, kubelet_identity("node-a")) as kubelet_a:
        assert kubelet_a.get(f"/api/v1/namespaces/{namespace}/secrets/secret-a").status_code == 200
        refused = kubelet_a.get(f"/api/v1/namespaces/{namespace}/secrets/secret-b")
        assert refused.status_code == 403
        assert "no relationship found between node 'node-a' and this object" in refused.json()["message"]
        assert kubelet_a.get(f"/api/v1/namespaces/{namespace}/secrets").status_code == 403
