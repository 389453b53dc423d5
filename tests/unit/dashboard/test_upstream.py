"""A user's requests carry the user's token and nothing of the dashboard's own credentials."""

from dashboard.upstream import user_config, user_http, with_ca_file
from kubemini.client.credentials import ClientConfig

OWN = ClientConfig(
    "https://127.0.0.1:6443", ca_pem=b"CA", certificate_pem=b"CERT", key_pem=b"KEY", token="own", token_file="/own"
)


def test_only_the_server_and_ca_are_kept_from_the_dashboards_config():
    config = user_config(OWN, "users-token")
    assert (config.server, config.ca_pem, config.token) == ("https://127.0.0.1:6443", b"CA", "users-token")
    assert (config.certificate_pem, config.key_pem, config.token_file) == (None, None, None)
    assert config.headers() == {"Authorization": "Bearer users-token"}


async def test_the_log_client_sends_the_users_token():
    plain = ClientConfig("http://127.0.0.1:8080", token="own")
    async with user_http(plain, "users-token") as http:
        assert http.headers["authorization"] == "Bearer users-token"


def test_a_ca_file_replaces_the_kubeconfigs(tmp_path):
    (tmp_path / "ca.pem").write_bytes(b"OTHER")
    assert with_ca_file(OWN, str(tmp_path / "ca.pem")).ca_pem == b"OTHER"
    assert with_ca_file(OWN, None) is OWN
