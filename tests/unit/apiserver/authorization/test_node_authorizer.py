"""The Node authorizer over fake pods and claims: the graph edges and what a kubelet may write."""

from __future__ import annotations

from apiserver.authorization.attributes import Decision
from apiserver.authorization.node import NodeAuthorizer
from tests.unit.apiserver.authorization.fakes import context, path, resource, user

NODE_A = user("system:node:a", "system:nodes")


def pod(name: str, node: str, **spec) -> dict:
    return {"metadata": {"name": name, "namespace": "dev"}, "spec": {"nodeName": node, "containers": [], **spec}}


async def allowed(ctx, attrs, authorizer=None) -> bool:
    return (await (authorizer or NodeAuthorizer()).authorize(ctx, attrs)).decision is Decision.ALLOW


async def test_claims_lead_to_their_volumes_and_the_graph_follows_pod_changes():
    ctx = context()
    authorizer = NodeAuthorizer()
    ctx.put("PersistentVolumeClaim", {"metadata": {"name": "data", "namespace": "dev"}, "spec": {"volumeName": "pv-1"}})
    claim_volume = {"name": "v", "persistentVolumeClaim": {"claimName": "data"}}
    ctx.put("Pod", pod("p", "b", volumes=[claim_volume], serviceAccountName="runner"))
    get_pv = resource(NODE_A, "get", "persistentvolumes", name="pv-1")
    token = resource(NODE_A, "create", "serviceaccounts", namespace="dev", sub="token", name="runner")
    assert not await allowed(ctx, get_pv, authorizer)
    assert not await allowed(ctx, token, authorizer)
    ctx.put("Pod", pod("p", "a", volumes=[claim_volume], serviceAccountName="runner"))
    assert await allowed(ctx, get_pv, authorizer)
    assert await allowed(ctx, token, authorizer)
    assert await allowed(ctx, resource(NODE_A, "get", "persistentvolumeclaims", namespace="dev", name="data"))
    ctx.delete("Pod", "p", "dev")
    assert not await allowed(ctx, get_pv, authorizer)


async def test_what_is_not_a_kubelet_request_is_left_to_others():
    ctx = context()
    authorizer = NodeAuthorizer()
    outsider = await authorizer.authorize(ctx, resource(user("system:node:a"), "get", "nodes"))
    assert (outsider.decision, outsider.reason) == (Decision.NO_OPINION, "")
    assert not await allowed(ctx, path(NODE_A, "get", "/healthz"))
    unknown = await authorizer.authorize(ctx, resource(user("system:node:", "system:nodes"), "get", "nodes"))
    assert unknown.reason == "unknown node"
    listing = await authorizer.authorize(ctx, resource(NODE_A, "list", "secrets", namespace="dev"))
    assert listing.reason == "can only get individual resources of this type"


async def test_local_path_volumes_on_its_disk_only():
    ctx = context()

    def volume(name: str, node: str) -> dict:
        term = {"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}
        return {"metadata": {"name": name}, "spec": {"nodeAffinity": {"required": {"nodeSelectorTerms": [term]}}}}

    ctx.put("PersistentVolume", volume("mine", "a"))
    ctx.put("PersistentVolume", volume("theirs", "b"))
    assert await allowed(ctx, resource(NODE_A, "watch", "persistentvolumes"))
    assert await allowed(ctx, resource(NODE_A, "update", "persistentvolumes", name="mine"))
    assert not await allowed(ctx, resource(NODE_A, "update", "persistentvolumes", name="theirs"))
    assert not await allowed(ctx, resource(NODE_A, "delete", "persistentvolumes", name="mine"))
