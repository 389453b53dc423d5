"""Each filter on its own, with kube-scheduler's wording of the reasons."""

from __future__ import annotations

from scheduler.filters import (
    REASON_NODE_AFFINITY,
    REASON_NODE_PORTS,
    REASON_TOO_MANY_PODS,
    REASON_UNSCHEDULABLE,
    check_host_ports,
    check_node_affinity,
    check_node_unschedulable,
    check_resources,
    check_taints,
    filters_for,
    run_filters,
)
from tests.unit.scheduler.objects import info_of, make_node, make_pod, node_info

INFRA = {"key": "node-role", "value": "infra", "effect": "NoSchedule"}


def test_cordoned_node_is_rejected_unless_the_pod_tolerates_unschedulable():
    node = node_info(make_node("n", unschedulable=True))
    assert check_node_unschedulable(info_of(make_pod("p")), node) == (REASON_UNSCHEDULABLE,)
    tolerant = make_pod("d", tolerations=[{"key": "node.kubernetes.io/unschedulable", "operator": "Exists"}])
    assert check_node_unschedulable(info_of(tolerant), node) is None
    assert check_node_unschedulable(info_of(make_pod("p")), node_info(make_node("m"))) is None


def test_untolerated_no_schedule_and_no_execute_taints_block():
    node = node_info(make_node("n", taints=[INFRA]))
    assert check_taints(info_of(make_pod("p")), node) == ("node(s) had untolerated taint {node-role: infra}",)
    evicting = node_info(make_node("e", taints=[{"key": "maintenance", "effect": "NoExecute"}]))
    assert check_taints(info_of(make_pod("p")), evicting) == ("node(s) had untolerated taint {maintenance: }",)
    tolerant = make_pod("t", tolerations=[{"key": "node-role", "operator": "Equal", "value": "infra"}])
    assert check_taints(info_of(tolerant), node) is None


def test_prefer_no_schedule_taints_never_block():
    node = node_info(make_node("n", taints=[{"key": "spot", "effect": "PreferNoSchedule"}]))
    assert check_taints(info_of(make_pod("p")), node) is None


def test_a_node_that_is_not_ready_carries_the_not_ready_or_unreachable_taint():
    pod = info_of(make_pod("p"))
    assert check_taints(pod, node_info(make_node("n", ready="False"))) == (
        "node(s) had untolerated taint {node.kubernetes.io/not-ready: }",
    )
    assert check_taints(pod, node_info(make_node("u", ready="Unknown"))) == (
        "node(s) had untolerated taint {node.kubernetes.io/unreachable: }",
    )
    assert check_taints(pod, node_info(make_node("x", ready=None))) is not None
    tolerates_all = info_of(make_pod("d", tolerations=[{"operator": "Exists"}]))
    assert check_taints(tolerates_all, node_info(make_node("n", ready="False"))) is None


def test_node_selector_needs_every_label():
    node = node_info(make_node("n", labels={"disk": "ssd", "zone": "a"}))
    assert check_node_affinity(info_of(make_pod("p", node_selector={"disk": "ssd"})), node) is None
    wrong = make_pod("q", node_selector={"disk": "ssd", "zone": "b"})
    assert check_node_affinity(info_of(wrong), node) == (REASON_NODE_AFFINITY,)


def test_required_node_affinity_and_match_fields():
    node = node_info(make_node("n-1", labels={"zone": "a"}))
    required = {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["b"]}]},
                    {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n-1"]}]},
                ]
            }
        }
    }
    assert check_node_affinity(info_of(make_pod("p", affinity=required)), node) is None
    other = node_info(make_node("n-2", labels={"zone": "c"}))
    assert check_node_affinity(info_of(make_pod("p", affinity=required)), other) == (REASON_NODE_AFFINITY,)


def test_host_port_in_use_blocks_only_the_same_port():
    node = node_info(make_node("n"), make_pod("web", node_name="n", host_port=8080))
    assert check_host_ports(info_of(make_pod("p", host_port=8080)), node) == (REASON_NODE_PORTS,)
    assert check_host_ports(info_of(make_pod("q", host_port=8081)), node) is None
    assert check_host_ports(info_of(make_pod("r")), node) is None


def test_resources_fit_against_allocatable_minus_requested():
    node = node_info(make_node("n", cpu="2", memory="1Gi", pods="3"), make_pod("a", cpu="1500m", memory="512Mi"))
    assert check_resources(info_of(make_pod("fits", cpu="500m", memory="512Mi")), node) is None
    assert check_resources(info_of(make_pod("cpu", cpu="501m")), node) == ("Insufficient cpu",)
    both = make_pod("both", cpu="1", memory="1Gi")
    assert check_resources(info_of(both), node) == ("Insufficient cpu", "Insufficient memory")
    # Best-effort pods need no cpu or memory, but still a pod slot.
    full = node_info(make_node("f", pods="1"), make_pod("x"))
    assert check_resources(info_of(make_pod("b")), full) == (REASON_TOO_MANY_PODS,)


def test_extended_resources_must_be_offered():
    pod = make_pod("g")
    pod["spec"]["containers"][0]["resources"]["requests"]["example.com/gpu"] = "1"
    assert check_resources(info_of(pod), node_info(make_node("n"))) == ("Insufficient example.com/gpu",)
    assert check_resources(info_of(pod), node_info(make_node("m", extra={"example.com/gpu": "2"}))) is None


def test_run_filters_stops_at_the_first_failing_filter():
    node = node_info(make_node("n", cpu="1", taints=[INFRA], unschedulable=True))
    assert run_filters(info_of(make_pod("p", cpu="2")), node) == (REASON_UNSCHEDULABLE,)
    tainted = node_info(make_node("m", cpu="1", taints=[INFRA]))
    assert run_filters(info_of(make_pod("p", cpu="2")), tainted) == (
        "node(s) had untolerated taint {node-role: infra}",
    )
    assert run_filters(info_of(make_pod("p", cpu="500m")), node_info(make_node("ok"))) is None


def test_a_node_without_cordon_or_blocking_taints_needs_only_the_pod_side_filters():
    nodes = [
        node_info(make_node("plain", cpu="1"), make_pod("x", cpu="500m")),
        node_info(make_node("cordoned", cpu="1"), make_pod("y", cpu="500m")),
        node_info(make_node("tainted", taints=[INFRA])),
        node_info(make_node("soft", taints=[{"key": "spot", "effect": "PreferNoSchedule"}])),
        node_info(make_node("not-ready", ready="False")),
        node_info(make_node("full", pods="1"), make_pod("z")),
    ]
    nodes[1].set_node(make_node("cordoned", cpu="1", unschedulable=True))
    assert [n.restricted for n in nodes] == [False, True, True, False, True, False]
    pods = [
        make_pod("small", cpu="100m"),
        make_pod("big", cpu="2", memory="64Gi"),
        make_pod("tolerant", tolerations=[{"operator": "Exists"}]),
        make_pod("picky", node_selector={"kubernetes.io/hostname": "soft"}, host_port=8080),
    ]
    for pod in map(info_of, pods):
        for node in nodes:
            shortcut = filters_for(pod, restricted_node=node.restricted)
            assert run_filters(pod, node, shortcut) == run_filters(pod, node), (pod.key, node.name)
