"""The metrics pipeline without processes: hollow usage ──► kubelet text ──► scrape parse ──► rates ──► API objects."""

from __future__ import annotations

import time
from unittest import mock

import pytest

from kubelet.resource_stats import ContainerStats, NodeStats, PodStats, resource_metrics_text, summary_json
from kubelet.runtime import ContainerConfig, ResourceUsage
from kubelet.runtime.docker_usage import usage_from_stats
from kubelet.runtime.fake import HOLLOW_CPU_USAGE_ANNOTATION, HOLLOW_MEMORY_USAGE_ANNOTATION, FakeRuntime
from metrics_server.scraping import parse_resource_metrics
from metrics_server.serving import MetricsApi
from metrics_server.storing import MetricsStore

POD = {
    "metadata": {
        "name": "web-1",
        "namespace": "default",
        "labels": {"app": "web"},
        "annotations": {HOLLOW_CPU_USAGE_ANNOTATION: "250m", HOLLOW_MEMORY_USAGE_ANNOTATION: "64Mi"},
    }
}


async def test_hollow_usage_is_integrated_over_time_and_follows_the_annotation():
    runtime = FakeRuntime()
    container = await runtime.create_container(ContainerConfig("app", "img", "sandbox", {}))
    await runtime.start_container(container)
    with mock.patch("kubelet.runtime.fake.time.time", side_effect=[100.0, 110.0, 120.0]):
        first = await runtime.container_usage(container, pod=POD)
        second = await runtime.container_usage(container, pod=POD)
        idle = {"metadata": {"annotations": {HOLLOW_CPU_USAGE_ANNOTATION: "0"}}}
        third = await runtime.container_usage(container, pod=idle)
    assert (first.cpu_core_seconds, second.cpu_core_seconds) == (0.0, 2.5)  # 250m for 10 s
    assert second.memory_working_set_bytes == 64 * 2**20
    assert third.cpu_core_seconds == 5.0  # the old rate until this reading, 0 from now on


def stats(cpu_seconds: float, at: float) -> NodeStats:
    usage = ResourceUsage(cpu_seconds, 64 * 2**20, at)
    pod = PodStats("web-1", "default", "uid-1", "2026-01-01T00:00:00Z", [ContainerStats("app", None, usage)])
    return NodeStats("node-a", ResourceUsage(cpu_seconds * 2, 2**30, at), [pod])


def test_kubelet_text_parses_back_and_two_scrapes_give_a_rate():
    store = MetricsStore()
    store.store([parse_resource_metrics(resource_metrics_text(stats(10.0, 1000.0)), "node-a")])
    assert store.container_usages(("default", "web-1")) is None  # one reading: no rate yet
    store.store([parse_resource_metrics(resource_metrics_text(stats(12.5, 1010.0)), "node-a")])
    usage = store.container_usages(("default", "web-1"))["app"]
    assert (usage.cpu_cores, usage.window_seconds, usage.memory_bytes) == (pytest.approx(0.25), 10.0, 64 * 2**20)
    assert store.node_usage("node-a").cpu_cores == pytest.approx(0.5)
    api = MetricsApi(store, pod=lambda key: POD, node=lambda name: {"metadata": {}}, node_names=lambda: ["node-a"])
    pod_metrics = api.pod_metrics("default", "web-1")
    assert pod_metrics["containers"] == [{"name": "app", "usage": {"cpu": "250000000n", "memory": "65536Ki"}}]
    assert (pod_metrics["window"], pod_metrics["metadata"]["labels"]) == ("10s", {"app": "web"})


def test_a_restarted_container_starts_its_rate_over():
    store = MetricsStore()
    for cpu, at in ((10.0, 1000.0), (12.0, 1010.0), (1.0, 1020.0)):
        store.store([parse_resource_metrics(resource_metrics_text(stats(cpu, at)), "node-a")])
    assert store.container_usages(("default", "web-1")) is None


def test_summary_json_has_the_summary_api_shape():
    summary = summary_json(stats(2.0, time.time()))
    assert summary["node"]["nodeName"] == "node-a"
    assert summary["pods"][0]["podRef"] == {"name": "web-1", "namespace": "default", "uid": "uid-1"}
    assert summary["pods"][0]["containers"][0]["cpu"]["usageCoreNanoSeconds"] == 2_000_000_000


@pytest.mark.parametrize(
    ("memory", "working_set"),
    [
        ({"usage": 100 * 2**20, "stats": {"total_inactive_file": 30 * 2**20}}, 70 * 2**20),  # cgroup v1
        ({"usage": 100 * 2**20, "stats": {"inactive_file": 10 * 2**20}}, 90 * 2**20),  # cgroup v2
    ],
)
def test_docker_stats_give_core_seconds_and_working_set(memory, working_set):
    usage = usage_from_stats(
        {"cpu_stats": {"cpu_usage": {"total_usage": 1_500_000_000}}, "memory_stats": memory}, now=5
    )
    assert (usage.cpu_core_seconds, usage.memory_working_set_bytes) == (1.5, working_set)
    assert usage_from_stats({"cpu_stats": {}, "memory_stats": {}}) is None
