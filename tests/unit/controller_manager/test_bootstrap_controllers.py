"""bootstrapsigner and tokencleaner decisions: which tokens sign, what cluster-info's data becomes."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import yaml

from controller_manager.bootstrap.bootstrap_signer import (
    cluster_info_kubeconfig,
    kubeconfig_server,
    signed_data,
    signing_tokens,
    wanted_kubeconfig,
)
from controller_manager.root_ca_publisher import ca_from_cluster_info
from kubemini.api import bootstrap_tokens as bt

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def secret(text: str, **options):
    return bt.token_secret(bt.parse_token(text), expiration=options.pop("expiration", None), **options)


def test_only_unexpired_signing_tokens_sign():
    secrets = [
        secret("aaaaaa.0123456789abcdef"),
        secret("bbbbbb.0123456789abcdef", expiration=NOW - timedelta(seconds=1)),
        secret("cccccc.0123456789abcdef", usages=["authentication"]),
        secret("dddddd.0123456789abcdef", expiration=NOW + timedelta(hours=1)),
        {**secret("eeeeee.0123456789abcdef"), "type": "Opaque"},
    ]
    assert signing_tokens(secrets, NOW) == {"aaaaaa": "0123456789abcdef", "dddddd": "0123456789abcdef"}


def test_signed_data_has_one_signature_per_token_and_drops_stale_ones():
    data = {"kubeconfig": "k", "jws-kubeconfig-zzzzzz": "stale", "other": "kept"}
    signed = signed_data(data, {"aaaaaa": "0123456789abcdef"})
    assert signed == {
        "kubeconfig": "k",
        "other": "kept",
        "jws-kubeconfig-aaaaaa": bt.detached_signature("k", "aaaaaa", "0123456789abcdef"),
    }
    assert signed_data(signed, {"aaaaaa": "0123456789abcdef"}) == signed  # nothing to write twice


def test_the_cluster_info_kubeconfig_names_the_server_and_the_ca():
    text = cluster_info_kubeconfig("https://192.168.1.10:6443", "-----BEGIN CERTIFICATE-----\n")
    config = yaml.safe_load(text)
    assert config["clusters"][0]["cluster"]["server"] == "https://192.168.1.10:6443"
    data = config["clusters"][0]["cluster"]["certificate-authority-data"]
    assert base64.b64decode(data).decode() == "-----BEGIN CERTIFICATE-----\n"
    assert ca_from_cluster_info({"data": {"kubeconfig": text}}) == "-----BEGIN CERTIFICATE-----\n"


def test_the_cluster_info_server_flag_rewrites_a_kubeconfig_naming_another_server():
    published = cluster_info_kubeconfig("https://127.0.0.1:6443", "CA")
    assert wanted_kubeconfig(published, server=None, ca_pem="CA") == published
    assert wanted_kubeconfig(published, server="https://127.0.0.1:6443", ca_pem=None) == published
    moved = wanted_kubeconfig(published, server="https://10.0.0.2:6443", ca_pem="CA")
    assert kubeconfig_server(moved) == "https://10.0.0.2:6443"
    assert ca_from_cluster_info({"data": {"kubeconfig": moved}}) == "CA"
    assert wanted_kubeconfig(None, server="https://10.0.0.2:6443", ca_pem="CA") == moved  # created when missing
    assert wanted_kubeconfig(published, server="https://10.0.0.2:6443", ca_pem=None) == published  # no CA known
