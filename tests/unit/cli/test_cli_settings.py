"""Ports and data directory: defaults, overrides, and what is remembered between commands."""

from __future__ import annotations

import pytest

from kubemini.cli.layout import ClusterHome
from kubemini.cli.main import build_parser, port_overrides
from kubemini.cli.settings import (
    DEFAULT_PORTS,
    ClusterSettings,
    load_settings,
    parse_port_override,
    save_settings,
)


def test_home_comes_from_flag_then_environment_then_default(tmp_path):
    assert ClusterHome.resolve(str(tmp_path / "a"), {"KUBEMINI_HOME": "/elsewhere"}).root == tmp_path / "a"
    assert ClusterHome.resolve(None, {"KUBEMINI_HOME": str(tmp_path / "b")}).root == tmp_path / "b"
    assert ClusterHome.resolve(None, {}).root.parts[-3:] == (".local", "share", "kubemini")


def test_default_urls_are_loopback_on_the_kubernetes_ports():
    settings = ClusterSettings()

    assert settings.server_url == "https://127.0.0.1:6443"
    assert settings.etcd_url == "http://127.0.0.1:2379"
    assert settings.etcd_peer_url == "http://127.0.0.1:2380"


def test_settings_round_trip_through_the_run_directory(tmp_path):
    path = tmp_path / "run" / "cluster.json"
    settings = ClusterSettings().with_ports({"apiserver": 18080, "scheduler": 19000})

    save_settings(path, settings)

    assert load_settings(path) == settings
    assert load_settings(tmp_path / "absent.json") is None


@pytest.mark.parametrize("text", ["scheduler", "nope=1", "scheduler=0", "scheduler=70000", "scheduler=x"])
def test_bad_port_overrides_are_rejected(text):
    with pytest.raises(ValueError):
        parse_port_override(text)


def test_flags_become_port_overrides():
    args = build_parser().parse_args(
        ["up", "--port", "18080", "--etcd-port", "12379", "--component-port", "kubelet=11250"]
    )

    assert port_overrides(args) == {"apiserver": 18080, "etcd": 12379, "kubelet": 11250}
    assert set(port_overrides(args)) <= set(DEFAULT_PORTS)


def test_up_without_flags_changes_no_port():
    assert port_overrides(build_parser().parse_args(["up"])) == {}
