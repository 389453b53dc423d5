"""Secrets encrypted at rest: what etcd holds, what the API serves, and a key rotation end to end."""

from __future__ import annotations

import asyncio
import base64
import io
import json
import secrets
import stat

import pytest
import yaml

from kubemini.cli.encryption import rotate_encryption_key, write_initial_encryption_config
from kubemini.cli.layout import ClusterHome
from kubemini.cli.main import main as kubemini_main
from kubemini.cli.settings import ClusterSettings, save_settings
from tests.support.api_http import api_http
from tests.support.processes import ApiServer
from tests.support.raw_etcd import get_raw, put_raw, raw_values
from tests.support.watch_reader import WatchReader

SECRETS_PATH = "/api/v1/namespaces/default/secrets"


def secret(name: str, value: str) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name},
        "data": {"password": base64.b64encode(value.encode()).decode()},
    }


def assert_hidden(raw: bytes, marker: str, *, key_name: str) -> None:
    assert raw.startswith(f"k8s:enc:aesgcm:v1:{key_name}:".encode()), raw[:40]
    assert marker.encode() not in raw and base64.b64encode(marker.encode()) not in raw


@pytest.fixture
def encrypted_apiserver(own_etcd, tmp_path, monkeypatch):
    config = tmp_path / "pki" / "encryption-config.yaml"
    assert write_initial_encryption_config(config)
    # A Secret as an apiserver without encryption stored it (plain JSON), before encryption was enabled.
    old = {**secret("written-before", "old-plaintext-value"), "type": "Opaque"}
    old["metadata"].update(namespace="default", uid="0f6d3c3e-0000-4000-8000-000000000001")
    old["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
    asyncio.run(put_raw(own_etcd.url, "/registry/secrets/default/written-before", old))
    monkeypatch.setenv("KUBEMINI_ENCRYPTION_RELOAD_POLL_SECONDS", "0.2")
    server = ApiServer(
        own_etcd.url,
        tmp_path / "apiserver.log",
        extra_args=("--encryption-provider-config", str(config), "--encryption-provider-config-automatic-reload"),
    ).start()
    yield server, config
    server.stop()


def test_secrets_are_stored_encrypted_served_plain_and_rotated(encrypted_apiserver, own_etcd):
    server, config = encrypted_apiserver
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    marker = f"marker-{secrets.token_hex(8)}"
    with api_http(base_url=server.url, timeout=30) as api:
        start = api.get(SECRETS_PATH).json()["metadata"]["resourceVersion"]
        reader = WatchReader(server.url, SECRETS_PATH, resourceVersion=start)
        try:
            assert api.post(SECRETS_PATH, json=secret("fresh", marker)).status_code == 201
            event = reader.take(1)[0]
        finally:
            reader.close()
        assert event["type"] == "ADDED" and base64.b64decode(event["object"]["data"]["password"]).decode() == marker

        assert_hidden(asyncio.run(get_raw(own_etcd.url, "/registry/secrets/default/fresh")), marker, key_name="key1")
        served = api.get(f"{SECRETS_PATH}/fresh").json()
        assert base64.b64decode(served["data"]["password"]).decode() == marker
        old = api.get(f"{SECRETS_PATH}/written-before")
        assert old.status_code == 200, old.text
        assert base64.b64decode(old.json()["data"]["password"]) == b"old-plaintext-value"
        listed = {item["metadata"]["name"] for item in api.get("/api/v1/secrets").json()["items"]}
        assert {"fresh", "written-before"} <= listed

        # Resources the configuration does not name are stored as they were.
        api.post("/api/v1/namespaces/default/configmaps", json={"metadata": {"name": "plain"}, "data": {"k": marker}})
        assert marker.encode() in asyncio.run(get_raw(own_etcd.url, "/registry/configmaps/default/plain"))

        frozen = {**secret("frozen", "frozen-value"), "immutable": True}
        assert api.post(SECRETS_PATH, json=frozen).status_code == 201, "rotation rewrites immutable Secrets too"

        out = io.StringIO()
        assert rotate_encryption_key(config, api, reload_timeout_seconds=30, out=out) == "key2", out.getvalue()
        stored = asyncio.run(raw_values(own_etcd.url, "/registry/secrets/"))
        assert stored, "secrets are in etcd"
        for key, raw in stored.items():
            assert raw.startswith(b"k8s:enc:aesgcm:v1:key2:"), f"{key} still {raw[:24]!r}"
        assert_hidden(stored["/registry/secrets/default/fresh"], marker, key_name="key2")
        assert b"old-plaintext-value" not in stored["/registry/secrets/default/written-before"]
        providers = yaml.safe_load(config.read_text())["resources"][0]["providers"]
        assert [next(iter(p)) for p in providers] == ["aesgcm", "identity"]
        assert [k["name"] for k in providers[0]["aesgcm"]["keys"]] == ["key2"]
        # Served from values only the new key opens (the old key is gone from the configuration).
        served = api.get(f"{SECRETS_PATH}/fresh").json()
        assert base64.b64decode(served["data"]["password"]).decode() == marker
        assert api.get(f"{SECRETS_PATH}/written-before").status_code == 200


def test_a_secret_under_an_unknown_key_is_an_internal_error_naming_the_key(encrypted_apiserver, own_etcd):
    server, _ = encrypted_apiserver
    asyncio.run(put_raw(own_etcd.url, "/registry/secrets/default/foreign", b"k8s:enc:aesgcm:v1:other:" + bytes(40)))
    with api_http(base_url=server.url, timeout=30) as api:
        response = api.get(f"{SECRETS_PATH}/foreign")
        assert response.status_code == 500
        assert 'unable to transform key "/registry/secrets/default/foreign"' in response.json()["message"]
        names = {item["metadata"]["name"] for item in api.get(SECRETS_PATH).json()["items"]}
        assert "foreign" not in names and "written-before" in names, "one bad value never breaks a list"


def test_a_bad_configuration_file_stops_the_server_naming_the_field(own_etcd, tmp_path):
    config = tmp_path / "bad.yaml"
    document = {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [
            {"resources": ["secrets"], "providers": [{"aesgcm": {"keys": [{"name": "k", "secret": "c2hvcnQ="}]}}]}
        ],
    }
    config.write_text(json.dumps(document))
    server = ApiServer(
        own_etcd.url, tmp_path / "apiserver.log", extra_args=("--encryption-provider-config", str(config))
    )
    with pytest.raises(RuntimeError) as caught:
        server.start()
    server.stop()
    assert "resources[0].providers[0].aesgcm.keys[0].secret" in str(caught.value)
    assert "expected one of [16, 24, 32]" in str(caught.value)


def test_kubemini_encryption_rotate_finds_the_cluster_by_its_home(encrypted_apiserver, own_etcd, tmp_path, capsys):
    server, config = encrypted_apiserver
    home = ClusterHome(tmp_path / "home")
    save_settings(home.settings_path, ClusterSettings().with_ports({"apiserver": server.port}))
    server.kubeconfig_for(path=home.kubeconfig_path)  # what `up` writes: the admin's credentials
    with api_http(base_url=server.url, timeout=30) as api:
        assert api.post(SECRETS_PATH, json=secret("via-cli", "cli-value")).status_code == 201
    argv = ["encryption", "rotate", "--home", str(home.root), "--config", str(config), "--provider", "aescbc"]
    assert kubemini_main(argv) == 0, capsys.readouterr().out
    raw = asyncio.run(get_raw(own_etcd.url, "/registry/secrets/default/via-cli"))
    assert raw.startswith(b"k8s:enc:aescbc:v1:key2:") and b"cli-value" not in raw
