"""The pure parts of `up --nodes N`, `join` and `leave`: what is run, with which flags, and what a drain moves."""

from __future__ import annotations

import dataclasses

from kubemini.cli.layout import ClusterHome
from kubemini.cli.nodes.containers import NodeContainerSpec, docker_run_argv
from kubemini.cli.nodes.joining import JoinConfig, node_components
from kubemini.cli.nodes.leaving import pods_to_evict
from kubemini.cli.nodes.simulation import join_argv, node_names
from kubemini.cli.settings import ClusterSettings, load_settings, save_settings


def test_node_container_asks_for_every_capability_but_the_one_this_machine_lacks():
    argv = docker_run_argv(NodeContainerSpec(cluster="c1", name="c1-node-2", network="c1-nodes"))
    assert "--privileged" not in argv
    assert argv[argv.index("--cap-drop") + 1] == "SYS_RESOURCE"
    assert argv[argv.index("--cap-add") + 1] == "ALL"
    assert "c1-node-2-docker:/var/lib/docker" in argv
    assert "io.kubemini.cluster=c1" in argv
    assert argv[-1] == "kubemini/node:dev"


def test_extra_nodes_are_named_after_the_first_and_join_at_the_advertised_address():
    settings = dataclasses.replace(ClusterSettings(node_name="box"), nodes=3, advertise_address="172.18.0.1")
    assert node_names(settings) == ["box-node-2", "box-node-3"]
    argv = join_argv(settings, token="abcdef.0123456789abcdef", ca_cert_hash="sha256:00")
    assert argv[:4] == ["kubemini", "join", "--server", "https://172.18.0.1:6443"]
    assert argv[argv.index("--pod-network") + 1] == "host-gw"
    assert node_names(ClusterSettings(node_name="box")) == []


def test_settings_remember_the_machines(tmp_path):
    settings = dataclasses.replace(
        ClusterSettings(node_name="box"), nodes=3, advertise_address="10.0.0.5", pod_network="vxlan"
    )
    save_settings(tmp_path / "cluster.json", settings)
    assert load_settings(tmp_path / "cluster.json") == settings
    assert settings.apiserver_bind_address == "0.0.0.0"
    assert ClusterSettings().apiserver_bind_address == "127.0.0.1"


def test_joined_node_runs_a_bootstrapping_kubelet_and_a_proxy_with_the_node_certificate(tmp_path):
    home = ClusterHome(tmp_path)
    config = JoinConfig(server="https://10.0.0.5:6443", node_name="n2", node_ip="10.0.0.6", pod_network="vxlan")
    kubelet, proxy = node_components(config, home)
    settings = ClusterSettings(node_name="n2")
    kubelet_argv = kubelet.build_argv(settings, home)
    assert kubelet_argv[kubelet_argv.index("--bootstrap-kubeconfig") + 1].endswith("bootstrap-kubelet.conf")
    assert kubelet_argv[kubelet_argv.index("--node-ip") + 1] == "10.0.0.6"
    assert kubelet_argv[kubelet_argv.index("--pod-network-backend") + 1] == "vxlan"
    proxy_argv = proxy.build_argv(settings, home)
    assert proxy_argv[proxy_argv.index("--kubeconfig") + 1] == kubelet_argv[kubelet_argv.index("--kubeconfig") + 1]
    assert proxy_argv[proxy_argv.index("--node-address") + 1] == "10.0.0.6"


def test_join_config_round_trips(tmp_path):
    config = JoinConfig(server="https://a:6443", node_name="n", node_ip="10.0.0.2")
    config.save(tmp_path / "join.json")
    assert JoinConfig.load(tmp_path / "join.json") == config


def test_drain_leaves_daemonset_mirror_and_finished_pods():
    def pod(name, *, owner=None, mirror=False, phase="Running"):
        metadata = {"name": name, "namespace": "default"}
        if owner:
            metadata["ownerReferences"] = [{"kind": owner, "name": "x"}]
        if mirror:
            metadata["annotations"] = {"kubernetes.io/config.mirror": "abc"}
        return {"metadata": metadata, "status": {"phase": phase}}

    pods = [
        pod("web", owner="ReplicaSet"),
        pod("agent", owner="DaemonSet"),
        pod("static", mirror=True),
        pod("done", phase="Succeeded"),
        pod("bare"),
    ]
    assert [p["metadata"]["name"] for p in pods_to_evict(pods)] == ["web", "bare"]


def test_a_lease_not_renewed_for_its_duration_means_the_kubelet_stopped():
    from datetime import UTC, datetime

    from kubemini.cli.nodes.leaving import STOPPED_AFTER_SECONDS, lease_age_seconds

    now = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
    assert lease_age_seconds({"spec": {"renewTime": "2026-12-01T11:59:50.000000Z"}}, now) == 10.0
    assert lease_age_seconds({"spec": {"renewTime": "2026-12-01T11:59:00.000000Z"}}, now) > STOPPED_AFTER_SECONDS
    assert lease_age_seconds({"spec": {}}, now) == float("inf")
