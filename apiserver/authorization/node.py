"""The Node authorizer: what a kubelet (`system:node:<name>` in `system:nodes`) may do.

not a node identity                                   ──► NO_OPINION
get/list/watch nodes, services, endpoints, endpointslices, pods; create events;
  create/get/list/watch CSRs; create token/subject access reviews; create its Node ──► ALLOW
update/patch its own Node or nodes/status             ──► ALLOW (another node's: NO_OPINION)
pods/status update/patch, pods delete                  ──► ALLOW for pods bound to it
its Lease in kube-node-lease                           ──► ALLOW
get secrets, configmaps, persistentvolumeclaims, persistentvolumes, serviceaccounts, and
  create serviceaccounts/token                         ──► ALLOW when a pod bound to it
                                                           references the object (node_graph.py)
list/watch persistentvolumes, update one on its own disk (kubemini's local-path cleanup) ──► ALLOW
anything else                                          ──► NO_OPINION (kubelets have no RBAC binding)
"""

from __future__ import annotations

from apiserver.authorization.attributes import Decision, RequestAttributes, Verdict
from apiserver.authorization.node_graph import PODS, Edge, GraphCache
from kubemini.api.local_path import volume_node
from kubemini.api.registry import by_kind, stored_version

ALLOW = Verdict(Decision.ALLOW)
NO_OPINION = Verdict(Decision.NO_OPINION)
READ = frozenset({"get", "list", "watch"})
NODE_LEASE_NAMESPACE = "kube-node-lease"
# (group, resource) a node reads freely: what kubelets list and watch to run pods.
READABLE = frozenset(
    {("", "nodes"), ("", "services"), ("", "endpoints"), ("discovery.k8s.io", "endpointslices"), ("", "pods")}
)
# (group, resource, subresource) → the verbs allowed without any relationship.
ALWAYS = {
    ("", "events", ""): frozenset({"create", "update", "patch"}),
    ("events.k8s.io", "events", ""): frozenset({"create", "update", "patch"}),
    ("certificates.k8s.io", "certificatesigningrequests", ""): frozenset({"create", "get", "list", "watch"}),
    ("authentication.k8s.io", "tokenreviews", ""): frozenset({"create"}),
    ("authorization.k8s.io", "subjectaccessreviews", ""): frozenset({"create"}),
    ("authorization.k8s.io", "localsubjectaccessreviews", ""): frozenset({"create"}),
}
# Objects a node may only get, and only when one of its pods references them.
REFERENCED = frozenset({"secrets", "configmaps", "persistentvolumeclaims", "persistentvolumes", "serviceaccounts"})


def no_relationship(node: str) -> Verdict:
    return Verdict(Decision.NO_OPINION, f"no relationship found between node '{node}' and this object")


class NodeAuthorizer:
    name = "Node"

    def __init__(self) -> None:
        self.graphs = GraphCache()
        self._pods = stored_version(PODS).storage_resource
        self._volumes = stored_version(by_kind("PersistentVolume")).storage_resource

    async def authorize(self, ctx, attrs: RequestAttributes) -> Verdict:
        node = attrs.user.node_name
        if node is None:
            return NO_OPINION
        if not node:
            return Verdict(Decision.NO_OPINION, "unknown node")
        if not attrs.resource_request:
            return NO_OPINION
        group, resource, sub, verb = attrs.api_group, attrs.resource, attrs.subresource, attrs.verb
        if verb in ALWAYS.get((group, resource, sub), ()):
            return ALLOW
        if (group, resource) in READABLE and not sub and verb in READ:
            return ALLOW
        if group == "" and resource == "nodes":
            return self._node_object(node, attrs)
        if group == "coordination.k8s.io" and resource == "leases":
            return self._lease(node, attrs)
        if group == "" and resource == "pods":
            return self._own_pod(ctx, node, attrs)
        if group == "" and resource in REFERENCED:
            return await self._referenced(ctx, node, attrs)
        return NO_OPINION

    def _node_object(self, node: str, attrs: RequestAttributes) -> Verdict:
        if attrs.verb == "create" and not attrs.subresource:
            return ALLOW  # the name of a create is in the body; node registration names itself
        if attrs.verb in ("update", "patch") and attrs.subresource in ("", "status"):
            if attrs.name == node:
                return ALLOW
            return Verdict(Decision.NO_OPINION, f"node '{node}' cannot modify node '{attrs.name}'")
        return NO_OPINION

    def _lease(self, node: str, attrs: RequestAttributes) -> Verdict:
        if attrs.verb not in ("get", "create", "update", "patch", "delete"):
            return Verdict(Decision.NO_OPINION, "can only get, create, update, patch, or delete a node lease")
        if attrs.namespace != NODE_LEASE_NAMESPACE:
            return Verdict(
                Decision.NO_OPINION, f'can only access leases in the "{NODE_LEASE_NAMESPACE}" system namespace'
            )
        if attrs.verb != "create" and attrs.name != node:
            return Verdict(Decision.NO_OPINION, "can only access node lease with the same name as the requesting node")
        return ALLOW

    def _own_pod(self, ctx, node: str, attrs: RequestAttributes) -> Verdict:
        allowed = (attrs.subresource == "status" and attrs.verb in ("update", "patch")) or (
            not attrs.subresource and attrs.verb == "delete"
        )
        if not allowed:
            return NO_OPINION
        pod = ctx.caches[self._pods].objects.get(PODS.storage_key(attrs.name, attrs.namespace))
        if pod is not None and (pod.get("spec") or {}).get("nodeName") == node:
            return ALLOW
        return no_relationship(node)

    async def _referenced(self, ctx, node: str, attrs: RequestAttributes) -> Verdict:
        resource, verb = attrs.resource, attrs.verb
        if resource == "persistentvolumes" and not attrs.subresource:
            if verb in ("list", "watch"):
                return ALLOW
            if verb in ("update", "patch"):
                volume = ctx.caches[self._volumes].objects.get(f"/registry/{self._volumes}/{attrs.name}")
                return ALLOW if volume is not None and volume_node(volume) == node else no_relationship(node)
        if resource == "serviceaccounts" and attrs.subresource == "token":
            if verb != "create":
                return Verdict(Decision.NO_OPINION, "can only create tokens for individual service accounts")
        elif attrs.subresource:
            return Verdict(Decision.NO_OPINION, "cannot get subresource")
        elif verb != "get":
            return Verdict(Decision.NO_OPINION, "can only get individual resources of this type")
        if not attrs.name:
            return Verdict(Decision.NO_OPINION, "can only get individual resources of this type")
        edge: Edge = (resource, "" if resource == "persistentvolumes" else attrs.namespace, attrs.name)
        return ALLOW if (await self.graphs.synced_graph(ctx)).related(node, edge) else no_relationship(node)
