"""`kubemini token create|list|delete` against a real cluster home (its admin kubeconfig), and the printed
join command's token and hash taking a machine through discovery.
"""

from __future__ import annotations

import re

from kubemini.api import bootstrap_tokens as bt
from kubemini.cli.main import main
from kubemini.join.discovery import ca_cert_hash, discover_cluster
from tests.integration.bootstrap.conftest import SECRETS


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_create_list_and_delete(join_apiserver, api, tmp_path, capsys):
    join_apiserver.kubeconfig_for(path=tmp_path / "kubeconfig")
    home = ("--home", str(tmp_path))
    code, out = run(capsys, "token", "create", *home, "--ttl", "2h", "--description", "for n1",
                    "--groups", "system:bootstrappers:workers")  # fmt: skip
    assert code == 0, out
    token = bt.parse_token(out.strip())
    secret = api.get(f"{SECRETS}/{token.secret_name}")
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    assert bt.secret_data(secret, "description") == "for n1"
    code, out = run(capsys, "token", "list", *home)
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split() == ["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA", "GROUPS"]
    [row] = [r for r in rows if r.startswith(str(token))]
    assert re.search(r"\s(1h|2h)\s", row) and "authentication,signing" in row and "system:bootstrappers:workers" in row
    code, out = run(capsys, "token", "delete", *home, token.id)
    assert (code, out.strip()) == (0, f'bootstrap token "{token.id}" deleted')
    assert api.get_or_none(f"{SECRETS}/{token.secret_name}") is None
    code, out = run(capsys, "token", "delete", *home, token.id)
    assert (code, out.strip()) == (1, f'error: bootstrap token "{token.id}" not found')
    code, out = run(capsys, "token", "create", *home, "--groups", "system:masters")
    assert code == 1 and "bootstrap group 'system:masters' is invalid" in out


def test_the_join_command_carries_what_discovery_needs(join_manager, join_apiserver, api, tmp_path, capsys):
    join_apiserver.kubeconfig_for(path=tmp_path / "kubeconfig")
    code, out = run(
        capsys, "token", "create", "--home", str(tmp_path), "--print-join-command", "--server", "10.1.2.3:6443"
    )
    assert code == 0, out
    match = re.fullmatch(
        r"kubemini join --server https://10\.1\.2\.3:6443 --token (\S+) --ca-cert-hash (sha256:[0-9a-f]{64})\n", out
    )
    assert match, out
    token, pin = match.groups()
    ca = join_apiserver.ca_path.read_bytes()
    assert pin == ca_cert_hash(ca)
    try:
        assert discover_cluster(join_apiserver.url, token, [pin]) == ca
    finally:
        api.http.delete(f"{SECRETS}/{bt.parse_token(token).secret_name}")
