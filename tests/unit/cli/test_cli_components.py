"""The component table: which components `up` starts, and with what command lines."""

from __future__ import annotations

import sys

import pytest

from kubemini.cli.components import (
    COMPONENTS,
    Component,
    MissingComponentError,
    installed_components,
    package_has_main,
    python_component,
)
from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import DEFAULT_PORTS, ClusterSettings


@pytest.fixture
def packages(tmp_path, monkeypatch):
    """A directory on sys.path with `ready_pkg` (has __main__.py) and `library_pkg` (has not)."""
    for name, has_main in (("ready_pkg", True), ("library_pkg", False)):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("raise RuntimeError('must not be imported')\n")
        if has_main:
            (package / "__main__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


def test_package_with_main_is_detected_without_importing_it(packages):
    assert package_has_main("ready_pkg")
    assert not package_has_main("library_pkg")
    assert not package_has_main("no_such_package_anywhere")
    assert "ready_pkg" not in sys.modules


def test_only_installed_components_are_started_in_table_order(packages):
    table = (
        python_component("first", "ready_pkg"),
        python_component("absent", "library_pkg"),
        python_component("second", "ready_pkg"),
    )

    assert [component.name for component in installed_components(table)] == ["first", "second"]


def test_a_missing_required_component_is_an_error(packages):
    required = Component("core", lambda s, h: [], lambda s: "", (), package="library_pkg", required=True)

    with pytest.raises(MissingComponentError, match="core"):
        installed_components((required,))


def test_table_starts_with_etcd_then_apiserver_and_every_port_has_a_default():
    names = [component.name for component in COMPONENTS]

    assert names[:2] == ["etcd", "apiserver"]
    assert len(set(names)) == len(names)
    for component in COMPONENTS:
        assert set(component.port_names) <= set(DEFAULT_PORTS)


def test_command_lines_and_health_urls_follow_the_chosen_ports(tmp_path):
    settings = ClusterSettings().with_ports({"apiserver": 18080, "etcd": 12379, "etcd-peer": 12380})
    home = ClusterHome(tmp_path)
    by_name = {component.name: component for component in COMPONENTS}

    etcd = by_name["etcd"].build_argv(settings, home)
    apiserver = by_name["apiserver"].build_argv(settings, home)
    scheduler = by_name["scheduler"].build_argv(settings, home)

    assert etcd[etcd.index("--listen-client-urls") + 1] == "http://127.0.0.1:12379"
    assert etcd[etcd.index("--listen-peer-urls") + 1] == "http://127.0.0.1:12380"
    assert etcd[etcd.index("--data-dir") + 1] == str(tmp_path / "etcd")
    assert apiserver[:3] == [sys.executable, "-m", "apiserver"]
    assert apiserver[apiserver.index("--etcd-servers") + 1] == "http://127.0.0.1:12379"
    assert apiserver[apiserver.index("--secure-port") + 1] == "18080"
    assert apiserver[apiserver.index("--client-ca-file") + 1] == str(tmp_path / "pki" / "ca.crt")
    assert "--insecure-port" not in apiserver
    assert scheduler[scheduler.index("--kubeconfig") + 1] == str(tmp_path / "kubeconfigs" / "scheduler.conf")
    assert by_name["scheduler"].identity(settings).user == "system:kube-scheduler"
    assert by_name["kubelet"].identity(settings).user == f"system:node:{settings.node_name}"
    assert by_name["apiserver"].health_url(settings) == "https://127.0.0.1:18080/readyz"
    assert by_name["etcd"].health_url(settings) == "http://127.0.0.1:12379/health"
    assert by_name["kubelet"].needs_docker


def test_the_dashboard_follows_the_component_flag_convention(tmp_path):
    settings = ClusterSettings().with_ports({"dashboard": 19090})
    dashboard = {component.name: component for component in COMPONENTS}["dashboard"]

    argv = dashboard.build_argv(settings, ClusterHome(tmp_path))

    assert argv[:3] == [sys.executable, "-m", "dashboard"]
    assert argv[argv.index("--kubeconfig") + 1] == str(tmp_path / "kubeconfigs" / "dashboard.conf")
    assert dashboard.identity(settings).user == "system:kubemini:dashboard"
    assert argv[argv.index("--port") + 1] == "19090"
    assert dashboard.health_url(settings) == "http://127.0.0.1:19090/healthz"
    assert settings.dashboard_url == "http://127.0.0.1:19090/"
