"""Server URL resolution order: argument > env > kubeconfig > default."""

from __future__ import annotations

import yaml

from kubemini.client.kubeconfig import DEFAULT_SERVER, resolve_namespace, resolve_server


def write_config(path, *, current: str = "dev") -> None:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "current-context": current,
        "clusters": [
            {"name": "c-dev", "cluster": {"server": "http://127.0.0.1:9001/"}},
            {"name": "c-prod", "cluster": {"server": "http://127.0.0.1:9002"}},
        ],
        "contexts": [
            {"name": "dev", "context": {"cluster": "c-dev", "namespace": "team"}},
            {"name": "prod", "context": {"cluster": "c-prod"}},
        ],
    }
    path.write_text(yaml.safe_dump(config))


def test_explicit_argument_wins(tmp_path):
    write_config(tmp_path / "config")
    env = {"KUBEMINI_SERVER": "http://127.0.0.1:7000", "KUBECONFIG": str(tmp_path / "config")}
    assert resolve_server("http://127.0.0.1:6000/", environ=env) == "http://127.0.0.1:6000"


def test_env_beats_kubeconfig(tmp_path):
    write_config(tmp_path / "config")
    env = {"KUBEMINI_SERVER": "http://127.0.0.1:7000", "KUBECONFIG": str(tmp_path / "config")}
    assert resolve_server(environ=env) == "http://127.0.0.1:7000"


def test_kubeconfig_current_context(tmp_path):
    write_config(tmp_path / "a", current="prod")
    env = {"KUBECONFIG": f"{tmp_path / 'missing'}:{tmp_path / 'a'}"}
    assert resolve_server(environ=env) == "http://127.0.0.1:9002"
    write_config(tmp_path / "a", current="dev")
    assert resolve_server(environ=env) == "http://127.0.0.1:9001"
    assert resolve_namespace(environ=env) == "team"


def test_home_kubeconfig_used_when_no_env(tmp_path):
    (tmp_path / ".kube").mkdir()
    write_config(tmp_path / ".kube" / "config", current="prod")
    assert resolve_server(environ={"HOME": str(tmp_path)}) == "http://127.0.0.1:9002"


def test_missing_or_broken_kubeconfig_falls_back_to_default(tmp_path):
    (tmp_path / "bad").write_text("{{{ not yaml")
    assert resolve_server(environ={"KUBECONFIG": str(tmp_path / "bad")}) == DEFAULT_SERVER
    assert resolve_server(environ={"HOME": str(tmp_path)}) == DEFAULT_SERVER
    write_config(tmp_path / "dangling", current="nope")
    assert resolve_server(environ={"KUBECONFIG": str(tmp_path / "dangling")}) == DEFAULT_SERVER
    assert resolve_namespace(environ={"HOME": str(tmp_path)}) == "default"


def test_credentials_come_from_the_kubeconfig_that_names_the_server(tmp_path):
    import base64

    from kubemini.client.kubeconfig import resolve_config

    data = {
        "current-context": "c",
        "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}],
        "clusters": [{"name": "k", "cluster": {"server": "https://127.0.0.1:6443", "certificate-authority": "ca.pem"}}],
        "users": [{"name": "u", "user": {"client-certificate-data": base64.b64encode(b"CERT").decode(), "token": "t"}}],
    }
    (tmp_path / "ca.pem").write_bytes(b"CA")
    (tmp_path / "config").write_text(yaml.safe_dump(data))
    env = {"KUBECONFIG": str(tmp_path / "config")}

    found = resolve_config(environ=env)
    assert (found.server, found.ca_pem, found.certificate_pem, found.token) == (
        "https://127.0.0.1:6443",
        b"CA",
        b"CERT",
        "t",
    )
    assert found.headers() == {"Authorization": "Bearer t"}
    assert resolve_config("https://127.0.0.1:6443/", environ=env).ca_pem == b"CA"
    assert resolve_config("https://127.0.0.1:7000", environ=env).ca_pem is None
