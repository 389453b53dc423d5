"""A pod's resolver by dnsPolicy, and when a ClusterFirst pod waits for kube-proxy's cluster DNS."""

from __future__ import annotations

from kubelet.dns_config import pod_dns, waits_for_cluster_dns

LOCAL = "127.0.0.1"  # always local on this machine, standing in for a ClusterIP routed `local`
NOT_LOCAL = "192.0.2.53"  # TEST-NET-1: never an address of this machine (only bound, never sent to)


def pod(policy: str | None = None, *, host_network: bool = False) -> dict:
    spec: dict = {"hostNetwork": host_network}
    if policy:
        spec["dnsPolicy"] = policy
    return {"metadata": {"namespace": "shop"}, "spec": spec}


def test_cluster_first_uses_the_cluster_dns_with_the_search_path_when_it_is_local():
    dns = pod_dns(pod(), cluster_dns=LOCAL, cluster_domain="cluster.local")
    assert dns.nameservers == [LOCAL]
    assert dns.searches == ["shop.svc.cluster.local", "svc.cluster.local", "cluster.local"]
    assert dns.options == ["ndots:5"]


def test_a_cluster_dns_not_served_here_is_not_used_and_makes_cluster_first_pods_wait():
    assert pod_dns(pod(), cluster_dns=NOT_LOCAL, cluster_domain="cluster.local").nameservers == []
    assert waits_for_cluster_dns(pod(), cluster_dns=NOT_LOCAL)
    assert not waits_for_cluster_dns(pod(), cluster_dns=LOCAL)


def test_pods_that_do_not_want_the_cluster_dns_never_wait():
    assert not waits_for_cluster_dns(pod("Default"), cluster_dns=NOT_LOCAL)
    assert not waits_for_cluster_dns(pod(host_network=True), cluster_dns=NOT_LOCAL)
    assert waits_for_cluster_dns(pod("ClusterFirstWithHostNet", host_network=True), cluster_dns=NOT_LOCAL)
    assert not waits_for_cluster_dns(pod(), cluster_dns="")
