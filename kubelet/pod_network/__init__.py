"""The pod network across nodes, as flannel lays it out: each node's pod CIDR reachable from every other.

Node objects (an informer on all Nodes)
    ──► desired.py   (pure) each other node's podCIDR ──► a route via its InternalIP (host-gw), or
                     the kubemini.1 VXLAN device + per peer FDB, neighbour and onlink route (vxlan)
    ──► diffing.py   (pure) desired against what is installed ──► the changes
    ──► iproute.py   reads what is ours (routes of proto 77, the kubemini.1 device) with `ip -j`,
                     applies the changes with `ip`/`bridge`, removes all of it on cleanup
    ──► masquerade.py the KUBEMINI-POD-NET (nat) and KUBEMINI-POD-FWD (filter, from DOCKER-USER) chains
agent.py runs it: waits for this node's spec.podCIDR, publishes its VTEP MAC, re-syncs on every
Node change and every RESYNC_PERIOD_SECONDS.
"""
