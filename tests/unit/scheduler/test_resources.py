"""Pod requests as Kubernetes computes them: containers summed, init containers as a peak, sidecars, overhead."""

from __future__ import annotations

from scheduler.resources import (
    DEFAULT_SCORING_CPU_MILLIS,
    DEFAULT_SCORING_MEMORY_BYTES,
    host_ports,
    is_terminal,
    pod_requests,
    pod_usage,
    ports_conflict,
)
from tests.unit.scheduler.objects import make_pod


def container(cpu=None, memory=None, **extra):
    requests = {k: v for k, v in (("cpu", cpu), ("memory", memory)) if v is not None}
    return {"name": "c", "resources": {"requests": requests}, **extra}


def test_app_containers_are_summed():
    spec = {"containers": [container("100m", "64Mi"), container("250m", "1Gi")]}
    assert pod_requests(spec) == {"cpu": 350, "memory": 64 * 2**20 + 2**30}


def test_init_containers_count_as_their_peak_not_their_sum():
    spec = {
        "containers": [container("100m", "64Mi")],
        "initContainers": [container("500m", "32Mi"), container("200m", "128Mi")],
    }
    # cpu: max(100, 500, 200); memory: max(64Mi, 32Mi, 128Mi)
    assert pod_requests(spec) == {"cpu": 500, "memory": 128 * 2**20}


def test_sidecars_add_to_the_app_containers_and_to_later_init_containers():
    spec = {
        "containers": [container("100m")],
        "initContainers": [container("300m", restartPolicy="Always"), container("350m")],
    }
    # running: 100 + 300 sidecar = 400; the plain init container runs beside the sidecar: 350 + 300 = 650
    assert pod_requests(spec)["cpu"] == 650


def test_overhead_is_added_and_limits_only_containers_count_nothing():
    spec = {"containers": [container("1", "1Gi"), {"name": "x", "resources": {}}], "overhead": {"cpu": "250m"}}
    assert pod_requests(spec) == {"cpu": 1250, "memory": 2**30}


def test_scoring_requests_default_a_missing_request_but_keep_an_explicit_zero():
    spec = {"containers": [container(), container(cpu="0", memory="0"), container(cpu="1")]}
    scoring = pod_requests(spec, scoring=True)
    assert scoring["cpu"] == DEFAULT_SCORING_CPU_MILLIS + 0 + 1000
    assert scoring["memory"] == DEFAULT_SCORING_MEMORY_BYTES + 0 + DEFAULT_SCORING_MEMORY_BYTES
    assert pod_requests(spec) == {"cpu": 1000, "memory": 0}


def test_usage_splits_cpu_memory_and_other_resources_and_finds_the_owner():
    pod = make_pod("p", cpu="2", memory="1Gi", owner_uid="rs-1", host_port=8080)
    pod["spec"]["containers"][0]["resources"]["requests"]["nvidia.com/gpu"] = "2"
    usage = pod_usage(pod)
    assert (usage.key, usage.cpu_millis, usage.memory_bytes) == ("default/p", 2000, 2**30)
    assert usage.scalars == {"nvidia.com/gpu": 2}
    assert usage.owner_uid == "rs-1"
    assert usage.ports == (("TCP", 8080, "0.0.0.0"),)


def test_host_ports_ignore_container_only_ports():
    spec = {
        "containers": [
            {
                "name": "c",
                "ports": [
                    {"containerPort": 80},
                    {"containerPort": 53, "hostPort": 53, "protocol": "UDP", "hostIP": "10.0.0.1"},
                ],
            }
        ]
    }
    assert host_ports(spec) == (("UDP", 53, "10.0.0.1"),)


def test_ports_conflict_on_same_protocol_and_port_when_addresses_overlap():
    used = [("TCP", 80, "0.0.0.0")]
    assert ports_conflict([("TCP", 80, "127.0.0.1")], used)
    assert not ports_conflict([("UDP", 80, "0.0.0.0")], used)
    assert not ports_conflict([("TCP", 81, "0.0.0.0")], used)
    assert not ports_conflict([("TCP", 80, "10.0.0.2")], [("TCP", 80, "10.0.0.1")])
    assert ports_conflict([("TCP", 80, "10.0.0.1")], [("TCP", 80, "10.0.0.1")])


def test_terminal_phases():
    assert is_terminal(make_pod("a", phase="Succeeded")) and is_terminal(make_pod("b", phase="Failed"))
    assert not is_terminal(make_pod("c", phase="Running"))
