"""kube-proxy's iptables mode: the rules rendered for service ports (pure, no kernel touched)."""

from __future__ import annotations

from kube_proxy.kernel.ruleset import MAX_CHAIN_LENGTH, Chains, render, stale_udp_flows
from kube_proxy.load_balancing import Endpoint
from kube_proxy.service_ports import ListenerKey, ServicePort, ServicePortName, desired_listeners

CHAINS = Chains.for_range("10.97.0.0/24")
WEB = ServicePortName("shop", "web", "http")


def web_port(*endpoints: Endpoint, affinity: float | None = None, node_port: int | None = None) -> ServicePort:
    return ServicePort(WEB, "TCP", "10.97.0.5", 80, node_port=node_port, affinity_seconds=affinity,
                       endpoints=tuple(endpoints))  # fmt: skip


def rules_for(*ports: ServicePort, stale: tuple[str, ...] = ()) -> list[str]:
    by_name = {p.name: p for p in ports}
    listeners, _ = desired_listeners(by_name, node_address="127.0.0.1")
    return render(by_name, listeners, chains=CHAINS, stale_chains=stale).splitlines()


def test_each_endpoint_gets_its_share_by_random_probability_and_a_dnat():
    port = web_port(Endpoint("172.18.0.3", 8080), Endpoint("172.18.0.2", 8080), Endpoint("172.18.0.4", 8080),
                    node_port=30080)  # fmt: skip
    lines = rules_for(port)
    service_chain = CHAINS.service(port)
    assert lines[0] == "*nat" and lines[-1] == "COMMIT"
    head = f'-A {CHAINS.services} -m comment --comment "shop/web:http"'
    assert f"{head} -d 10.97.0.5/32 -p tcp --dport 80 -j {service_chain}" in lines
    assert f"{head} -d 127.0.0.1/32 -p tcp --dport 30080 -j {service_chain}" in lines
    picks = [line for line in lines if line.startswith(f"-A {service_chain} ") and "SEP" in line]
    assert [p.split("--probability ")[1].split()[0] if "probability" in p else "rest" for p in picks] == [
        "0.3333333333", "0.5000000000", "rest",
    ]  # fmt: skip
    dnats = [line.split("--to-destination ")[1] for line in lines if "DNAT" in line]
    assert dnats == ["172.18.0.2:8080", "172.18.0.3:8080", "172.18.0.4:8080"]
    assert f"-A {service_chain} -j {CHAINS.mark_masquerade}" in lines
    assert f"-A {CHAINS.postrouting} -j MASQUERADE" in lines
    assert all(len(line[1:].split()[0]) <= MAX_CHAIN_LENGTH for line in lines if line.startswith(":"))


def test_client_ip_affinity_uses_recent_and_no_endpoints_means_no_service_chain():
    sticky = rules_for(web_port(Endpoint("172.18.0.2", 8080), affinity=10800.0))
    assert any("--rcheck --seconds 10800 --reap" in line for line in sticky)
    assert any(line.endswith("--rsource --set") for line in sticky)
    empty = rules_for(web_port())
    assert not any("SVC" in line for line in empty), "no endpoints: the local stack refuses the connection"


def test_chains_no_longer_wanted_are_flushed_and_deleted_and_others_never_touched():
    old = CHAINS.service(web_port())
    lines = rules_for(web_port(), stale=(old, "KUBE-SERVICES", "DOCKER"))
    assert f":{old} - [0:0]" in lines and f"-X {old}" in lines
    assert not any("DOCKER" in line or "KUBE-SERVICES" in line for line in lines)
    assert Chains.for_range("10.98.0.0/24").prefix != CHAINS.prefix, "two clusters on a machine, two sets of chains"


def test_reserved_listeners_are_left_to_the_in_process_dns():
    dns = ServicePort(ServicePortName("kube-system", "kube-dns", "dns"), "UDP", "10.97.0.10", 53,
                      endpoints=(Endpoint("10.97.0.10", 53),))  # fmt: skip
    listeners, _ = desired_listeners({dns.name: dns}, node_address="127.0.0.1",
                                     reserved=[ListenerKey("10.97.0.10", 53, "UDP")])  # fmt: skip
    lines = render({dns.name: dns}, listeners, chains=CHAINS).splitlines()
    assert not any(line.startswith(f"-A {CHAINS.services}") for line in lines)


def test_udp_flows_are_forgotten_for_endpoints_gone_and_for_listeners_that_got_endpoints():
    dns = ListenerKey("10.97.0.10", 53, "UDP")
    other = ListenerKey("10.97.0.11", 53, "UDP")
    before = {dns: frozenset({"172.18.0.2", "172.18.0.3"}), other: frozenset()}
    now = {dns: frozenset({"172.18.0.3"}), other: frozenset({"172.18.0.9"})}
    assert stale_udp_flows(before, now) == [(dns, "172.18.0.2"), (other, None)]
    assert stale_udp_flows(now, now) == []


def test_external_traffic_policy_local_gets_its_own_chain_of_local_endpoints():
    port = ServicePort(WEB, "TCP", "10.97.0.5", 80, node_port=30080,
                       endpoints=(Endpoint("172.18.0.2", 8080), Endpoint("172.18.0.3", 8080)),
                       external_endpoints=(Endpoint("172.18.0.2", 8080),))  # fmt: skip
    lines = rules_for(port)
    head = f'-A {CHAINS.services} -m comment --comment "shop/web:http"'
    assert f"{head} -d 10.97.0.5/32 -p tcp --dport 80 -j {CHAINS.service(port)}" in lines
    assert f"{head} -d 127.0.0.1/32 -p tcp --dport 30080 -j {CHAINS.external(port)}" in lines
    external_picks = [line for line in lines if line.startswith(f"-A {CHAINS.external(port)} ") and "SEP" in line]
    assert external_picks == [f"-A {CHAINS.external(port)} -j {CHAINS.endpoint(port, '172.18.0.2', 8080)}"]
    assert sum(1 for line in lines if "DNAT" in line) == 2, "endpoint chains shared by both"
