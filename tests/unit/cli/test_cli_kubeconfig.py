"""The kubeconfig `up` writes, and when it may touch the user's ~/.kube/config."""

from __future__ import annotations

import stat

import yaml

from kubemini.cli.kubeconfig import (
    UserKubeconfigOutcome,
    build_kubeconfig,
    holds_only_kubemini,
    install_user_kubeconfig,
    write_kubeconfig,
)

SERVER = "http://127.0.0.1:18080"


def test_kubeconfig_points_the_current_context_at_the_server_without_credentials():
    config = build_kubeconfig(SERVER)

    assert config["current-context"] == "kubemini"
    assert config["clusters"] == [{"name": "kubemini", "cluster": {"server": SERVER}}]
    assert config["users"] == [{"name": "kubemini", "user": {}}]
    context = config["contexts"][0]
    assert context["name"] == "kubemini"
    assert context["context"] == {"cluster": "kubemini", "user": "kubemini", "namespace": "default"}


def test_written_kubeconfig_is_private_yaml_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "nested" / "kubeconfig"

    write_kubeconfig(path, build_kubeconfig(SERVER))

    assert yaml.safe_load(path.read_text()) == build_kubeconfig(SERVER)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["kubeconfig"]


def test_rewriting_replaces_the_old_server(tmp_path):
    path = tmp_path / "kubeconfig"
    write_kubeconfig(path, build_kubeconfig("http://127.0.0.1:1"))

    write_kubeconfig(path, build_kubeconfig(SERVER))

    assert yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"] == SERVER


def test_user_kubeconfig_is_written_when_absent(tmp_path):
    path = tmp_path / ".kube" / "config"

    outcome = install_user_kubeconfig(path, build_kubeconfig(SERVER))

    assert outcome is UserKubeconfigOutcome.WRITTEN
    assert yaml.safe_load(path.read_text())["current-context"] == "kubemini"


def test_user_kubeconfig_from_an_earlier_up_is_refreshed(tmp_path):
    path = tmp_path / "config"
    write_kubeconfig(path, build_kubeconfig("http://127.0.0.1:8080"))

    outcome = install_user_kubeconfig(path, build_kubeconfig(SERVER))

    assert outcome is UserKubeconfigOutcome.REFRESHED
    assert yaml.safe_load(path.read_text())["clusters"][0]["cluster"]["server"] == SERVER


def test_user_kubeconfig_with_other_clusters_is_left_byte_for_byte(tmp_path):
    path = tmp_path / "config"
    theirs = build_kubeconfig("https://prod.example:6443", name="prod")
    theirs["clusters"].append({"name": "kubemini", "cluster": {"server": "http://127.0.0.1:1"}})
    original = yaml.safe_dump(theirs)
    path.write_text(original)

    outcome = install_user_kubeconfig(path, build_kubeconfig(SERVER))

    assert outcome is UserKubeconfigOutcome.KEPT
    assert path.read_text() == original


def test_unreadable_user_kubeconfig_is_kept(tmp_path):
    path = tmp_path / "config"
    path.write_text("clusters: [unclosed\n")

    assert install_user_kubeconfig(path, build_kubeconfig(SERVER)) is UserKubeconfigOutcome.KEPT
    assert path.read_text() == "clusters: [unclosed\n"


def test_only_kubemini_means_no_entry_of_any_other_name():
    assert holds_only_kubemini(build_kubeconfig(SERVER))
    assert holds_only_kubemini({"apiVersion": "v1", "kind": "Config"})
    assert not holds_only_kubemini(build_kubeconfig(SERVER, name="other"))
    assert not holds_only_kubemini(["not", "a", "mapping"])
