"""Which objects each node may read: the pods bound to it and what those pods reference.

    pods cache (spec.nodeName) + persistentvolumeclaims cache (spec.volumeName)
        ──► NodeGraph.edges[node] = {(resource, namespace, name)}: the node's pods' secrets,
            configmaps, claims, the claims' volumes, and service accounts
Rebuilt from the caches when either moves to a new revision, and only when a node asks
for one of these objects; unchanged pods keep the edges found before.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from apiserver.authorization.cache_sync import wait_synced
from kubemini.api import pod_references
from kubemini.api.registry import by_kind, stored_version

Edge = tuple[str, str, str]  # (resource, namespace, name); namespace "" for persistentvolumes
PODS, CLAIMS = by_kind("Pod"), by_kind("PersistentVolumeClaim")


def pod_edges(pod: dict, claims: dict[str, dict]) -> set[Edge]:
    namespace = pod["metadata"].get("namespace", "")
    edges: set[Edge] = {("secrets", namespace, name) for name in pod_references.secret_names(pod)}
    edges.update(("configmaps", namespace, name) for name in pod_references.config_map_names(pod))
    edges.add(("serviceaccounts", namespace, pod_references.service_account_name(pod)))
    for claim_name in pod_references.claim_names(pod):
        edges.add(("persistentvolumeclaims", namespace, claim_name))
        claim = claims.get(CLAIMS.storage_key(claim_name, namespace))
        volume = ((claim or {}).get("spec") or {}).get("volumeName")
        if volume:
            edges.add(("persistentvolumes", "", volume))
    return edges


@dataclass
class NodeGraph:
    edges: dict[str, set[Edge]] = field(default_factory=lambda: defaultdict(set))

    def related(self, node: str, edge: Edge) -> bool:
        return edge in self.edges.get(node, ())


class GraphCache:
    """The graph for the current pods and claims; rebuilt lazily when they change.

    A rebuild reuses the edges of every pod whose cached object is the same one as last time
    (the watch cache replaces an object on each change), so only changed pods are walked again;
    a change of claims (their volumes) walks them all.
    """

    def __init__(self) -> None:
        self._pods = stored_version(PODS).storage_resource
        self._claims = stored_version(CLAIMS).storage_resource
        self._key: tuple | None = None
        self._claims_key: tuple | None = None
        self._graph = NodeGraph()
        self._memo: dict[str, tuple[dict, str, set[Edge]]] = {}  # pod key → (object, node, edges)
        self._synced = False

    async def synced_graph(self, ctx) -> NodeGraph:
        if not self._synced:  # right after a start: wait for the pods and claims to be listed
            self._synced = await wait_synced([ctx.caches[self._pods], ctx.caches[self._claims]])
        return self.graph(ctx)

    def graph(self, ctx) -> NodeGraph:
        pods, claims = ctx.caches[self._pods], ctx.caches[self._claims]
        key = (pods.revision, claims.revision, id(pods.objects), id(claims.objects))
        if key != self._key:
            claims_key = (claims.revision, id(claims.objects))
            if claims_key != self._claims_key:
                self._memo = {}
                self._claims_key = claims_key
            self._graph = self._build(pods.objects, claims.objects)
            self._key = key
        return self._graph

    def _build(self, pods: dict[str, dict], claims: dict[str, dict]) -> NodeGraph:
        graph, memo = NodeGraph(), {}
        for pod_key, pod in pods.items():
            seen = self._memo.get(pod_key)
            if seen is not None and seen[0] is pod:
                memo[pod_key] = seen
            else:
                node = (pod.get("spec") or {}).get("nodeName") or ""
                memo[pod_key] = (pod, node, pod_edges(pod, claims) if node else set())
            _, node, edges = memo[pod_key]
            if node:
                graph.edges[node] |= edges
        self._memo = memo
        return graph
