"""The nat-table rules for a set of service ports, as kube-proxy's iptables mode lays them out (pure).

    <P>-SERVICES   -d <clusterIP> -p tcp --dport 80      -j <P>-SVC-<hash>      (one per listener:
                   -d <node address> --dport <nodePort>   -j <P>-SVC-<hash>       ClusterIP, NodePort, LB;
                                                          or <P>-EXT-<hash>: externalTrafficPolicy Local,
                                                          this node's endpoints only)
    <P>-SVC-<hash> -j <P>-MARK-MASQ
                   [ClientIP affinity: -m recent --rcheck --seconds T --reap   -j <P>-SEP-<hash>, each endpoint]
                   -m statistic --mode random --probability 1/(n-i)        -j <P>-SEP-<hash>  (i-th of n)
                   -j <P>-SEP-<last>
    <P>-SEP-<hash> [-m recent --set] -p tcp -j DNAT --to-destination <ip>:<port>
    <P>-POSTROUTING: marked packets ──► MASQUERADE (host and hairpin traffic get a source the pod can answer)
A service port without endpoints gets no SVC chain: its packets reach the local stack (the range is
a `local` route), where nothing listens, so TCP is reset and UDP refused, as upstream's REJECT.
`<P>` is KUBEMINI-<4 hex of the Service range>, so two clusters on one machine never share chains.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kube_proxy.service_ports import ListenerKey, ServicePort, ServicePortName

MASQUERADE_MARK = "0x4000"
MAX_CHAIN_LENGTH = 28  # iptables' limit on a chain name


@dataclass(frozen=True)
class Chains:
    prefix: str

    @classmethod
    def for_range(cls, service_cidr: str) -> Chains:
        return cls(f"KUBEMINI-{hashlib.sha256(service_cidr.encode()).hexdigest()[:4]}")

    @property
    def services(self) -> str:
        return f"{self.prefix}-SERVICES"

    @property
    def postrouting(self) -> str:
        return f"{self.prefix}-POSTROUTING"

    @property
    def mark_masquerade(self) -> str:
        return f"{self.prefix}-MARK-MASQ"

    def _hashed(self, kind: str, *parts: object) -> str:
        head = f"{self.prefix}-{kind}-"
        digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).hexdigest()
        return head + digest[: MAX_CHAIN_LENGTH - len(head)]

    def service(self, port: ServicePort) -> str:
        return self._hashed("SVC", port.name, port.protocol)

    def external(self, port: ServicePort) -> str:
        """The chain NodePort/LB traffic takes under `externalTrafficPolicy: Local`."""
        return self._hashed("EXT", port.name, port.protocol)

    def endpoint(self, port: ServicePort, ip: str, number: int) -> str:
        return self._hashed("SEP", port.name, port.protocol, ip, number)

    def owns(self, chain: str) -> bool:
        return chain.startswith(self.prefix + "-")


def _listener_rule(chains: Chains, key: ListenerKey, target: str, name: ServicePortName) -> str:
    match = f"-d {key.ip}/32 -p {key.protocol.lower()} --dport {key.port}"
    return f'-A {chains.services} -m comment --comment "{name}" {match} -j {target}'


def _balancing_rules(chains: Chains, chain: str, port: ServicePort, endpoints: list) -> list[str]:
    """Mark for masquerade, stick to the endpoint a client used (ClientIP affinity), else pick one
    at random: the i-th of n with probability 1/(n-i), the last always."""
    rules = [f"-A {chain} -j {chains.mark_masquerade}"]
    targets = [chains.endpoint(port, e.ip, e.port) for e in endpoints]
    if port.affinity_seconds is not None:
        for target in targets:
            rules.append(
                f"-A {chain} -m recent --name {target} --mask 255.255.255.255 --rsource --rcheck "
                f"--seconds {int(port.affinity_seconds)} --reap -j {target}"
            )
    for index, target in enumerate(targets):
        remaining = len(targets) - index
        if remaining > 1:
            rules.append(f"-A {chain} -m statistic --mode random --probability {1 / remaining:.10f} -j {target}")
        else:
            rules.append(f"-A {chain} -j {target}")
    return rules


def render(
    service_ports: Mapping[ServicePortName, ServicePort],
    listeners: Mapping[ListenerKey, ServicePortName],
    *,
    chains: Chains,
    stale_chains: Iterable[str] = (),
) -> str:
    """iptables-restore input for table nat: our chains declared (so flushed) and refilled; chains
    we made before that are not wanted any more deleted. `listeners` is desired_listeners()'s."""
    declared = [chains.services, chains.postrouting, chains.mark_masquerade]
    rules = [
        f"-A {chains.mark_masquerade} -j MARK --or-mark {MASQUERADE_MARK}",
        f"-A {chains.postrouting} -m mark ! --mark {MASQUERADE_MARK}/{MASQUERADE_MARK} -j RETURN",
        f"-A {chains.postrouting} -j MARK --xor-mark {MASQUERADE_MARK}",
        f"-A {chains.postrouting} -j MASQUERADE",
    ]
    balanced: dict[str, tuple[ServicePort, tuple]] = {}  # chain -> (port, the endpoints it picks from)
    for key, name in sorted(listeners.items()):
        port = service_ports.get(name)
        if port is None or not port.endpoints_for(key):
            continue  # no endpoints: the local stack refuses it
        local_only = port.external_endpoints is not None and port.is_external(key)
        chain = chains.external(port) if local_only else chains.service(port)
        balanced[chain] = (port, port.endpoints_for(key))
        rules.append(_listener_rule(chains, key, chain, name))
    endpoint_chains_made: set[str] = set()
    for chain, (port, endpoints) in sorted(balanced.items()):
        declared.append(chain)
        rules += _balancing_rules(chains, chain, port, sorted(endpoints))
        for endpoint in sorted(endpoints):
            endpoint_chain = chains.endpoint(port, endpoint.ip, endpoint.port)
            if endpoint_chain in endpoint_chains_made:
                continue
            endpoint_chains_made.add(endpoint_chain)
            declared.append(endpoint_chain)
            if port.affinity_seconds is not None:
                rules.append(
                    f"-A {endpoint_chain} -m recent --name {endpoint_chain} --mask 255.255.255.255 --rsource --set"
                )
            protocol = port.protocol.lower()
            rules.append(f"-A {endpoint_chain} -p {protocol} -j DNAT --to-destination {endpoint.ip}:{endpoint.port}")
    wanted = set(declared)
    removed = sorted(c for c in stale_chains if chains.owns(c) and c not in wanted)
    lines = ["*nat", *(f":{c} - [0:0]" for c in declared), *(f":{c} - [0:0]" for c in removed), *rules]
    lines += [f"-X {c}" for c in removed]
    lines.append("COMMIT")
    return "\n".join(lines) + "\n"


UdpFlows = dict[ListenerKey, frozenset[str]]


def udp_flows(
    service_ports: Mapping[ServicePortName, ServicePort], listeners: Mapping[ListenerKey, ServicePortName]
) -> UdpFlows:
    """Each UDP listener → the endpoint IPs its rules send to now."""
    return {
        key: frozenset(e.ip for e in service_ports[name].endpoints)
        for key, name in listeners.items()
        if key.protocol == "UDP" and name in service_ports
    }


def stale_udp_flows(before: UdpFlows, now: UdpFlows) -> list[tuple[ListenerKey, str | None]]:
    """Conntrack entries to delete, as upstream kube-proxy does (UDP has no connection to end):
    (listener, endpoint IP) for an endpoint DNATed before and not any more, whose entries would keep
    a client's datagrams going to it; (listener, None), every entry to the listener, when it has
    endpoints now and had none, since datagrams sent before its rules existed made entries without
    DNAT that would otherwise keep that client off the endpoints."""
    gone = [(key, ip) for key, ips in before.items() for ip in ips - now.get(key, frozenset())]
    started = [(key, None) for key, ips in now.items() if ips and not before.get(key)]
    return sorted(gone + started, key=lambda pair: (pair[0], pair[1] or ""))
