"""`kubemini encryption rotate`: how the configuration changes at each step."""

from __future__ import annotations

import stat

import pytest
import yaml

from kubemini.cli.encryption import (
    RotationError,
    initial_config,
    next_key_name,
    rewritable_paths,
    with_new_key,
    without_old_keys,
    write_initial_encryption_config,
)


def names(document: dict) -> list[tuple[str, list[str]]]:
    providers = document["resources"][0]["providers"]
    return [(kind, [k["name"] for k in (body or {}).get("keys", [])]) for p in providers for kind, body in p.items()]


def test_initial_config_is_aesgcm_then_identity_and_private(tmp_path):
    path = tmp_path / "pki" / "encryption-config.yaml"
    assert write_initial_encryption_config(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    document = yaml.safe_load(path.read_text())
    assert names(document) == [("aesgcm", ["key1"]), ("identity", [])]
    before = path.read_text()
    assert not write_initial_encryption_config(path), "an existing configuration is never replaced"
    assert path.read_text() == before


def test_rotation_puts_the_new_key_first_then_drops_the_old_ones():
    document = initial_config("b2xk")
    assert next_key_name(["key1", "custom", "key7"]) == "key8"
    rotated = with_new_key(document, provider="aescbc", name="key2", secret="bmV3")
    assert names(rotated) == [("aescbc", ["key2"]), ("aesgcm", ["key1"]), ("identity", [])]
    assert names(document) == [("aesgcm", ["key1"]), ("identity", [])], "the input is not changed"
    assert names(without_old_keys(rotated)) == [("aescbc", ["key2"]), ("identity", [])]


def test_only_named_core_resources_are_rewritten():
    document = initial_config("b2xk")
    document["resources"][0]["resources"] = ["secrets", "configmaps"]
    assert rewritable_paths(document) == ["/api/v1/secrets", "/api/v1/configmaps"]
    document["resources"][0]["resources"] = ["secrets", "*.apps"]
    with pytest.raises(RotationError, match="also covers '\\*.apps'"):
        rewritable_paths(document)
