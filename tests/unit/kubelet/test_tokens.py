"""The kubelet's service-account tokens: one TokenRequest per pod and projection, renewed at 80% of life."""

from __future__ import annotations

from kubelet.volumes.tokens import TokenManager


class RecordingClient:
    def __init__(self):
        self.requests: list[tuple[str, str, dict]] = []

    async def request(self, method: str, path: str, *, body: dict) -> dict:
        self.requests.append((method, path, body))
        return {"spec": body["spec"], "status": {"token": f"token-{len(self.requests)}"}}


POD = {"metadata": {"name": "p", "namespace": "ns", "uid": "u-1"}, "spec": {"serviceAccountName": "robot"}}


async def test_a_token_is_requested_once_bound_to_the_pod_and_renewed_at_80_percent():
    now = [1000.0]
    client = RecordingClient()
    tokens = TokenManager(client, clock=lambda: now[0])  # type: ignore[arg-type]
    projection = {"expirationSeconds": 3600, "audience": "vault"}
    assert await tokens.token(POD, projection) == "token-1"
    method, path, body = client.requests[0]
    assert (method, path) == ("POST", "/api/v1/namespaces/ns/serviceaccounts/robot/token")
    assert body["spec"] == {
        "audiences": ["vault"],
        "expirationSeconds": 3600,
        "boundObjectRef": {"apiVersion": "v1", "kind": "Pod", "name": "p", "uid": "u-1"},
    }
    now[0] += 0.79 * 3600
    assert await tokens.token(POD, projection) == "token-1"
    now[0] += 0.02 * 3600
    assert await tokens.token(POD, projection) == "token-2"
    tokens.forget("u-1")
    assert await tokens.token(POD, projection) == "token-3"
