"""`kubemini token create|list|delete`: bootstrap tokens for joining machines, as `kubeadm token`.

    create [TOKEN] [--ttl 24h] [--description T] [--groups system:bootstrappers:x,...]
           [--usages signing,authentication] [--print-join-command [--server HOST:PORT]]
        ──► Secret kube-system/bootstrap-token-<id> (kubemini/api/bootstrap_tokens.py) ──► prints the token,
            or `kubemini join --server https://HOST:PORT --token T --ca-cert-hash sha256:<hash>`
    list   ──► TOKEN TTL EXPIRES USAGES DESCRIPTION EXTRA GROUPS, one line per token Secret
    delete ID|TOKEN... ──► the Secrets deleted
Every request goes with the admin kubeconfig of the cluster home (<home>/kubeconfig). The join
command's address is --server, else the home kubeconfig's server (loopback: fine on this machine only).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import TextIO

import httpx

from kubemini.api import bootstrap_tokens as bt
from kubemini.api.durations import parse_duration_seconds
from kubemini.cli.layout import ClusterHome
from kubemini.client.credentials import ClientConfig
from kubemini.client.kubeconfig import resolve_config
from kubemini.join.discovery import ca_cert_hash

SECRETS_PATH = f"/api/v1/namespaces/{bt.SECRET_NAMESPACE}/secrets"
REQUEST_TIMEOUT_SECONDS = 10.0


def add_token_parser(commands, common: argparse.ArgumentParser) -> None:
    token = commands.add_parser("token", help="bootstrap tokens that let machines join the cluster")
    actions = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    create = actions.add_parser("create", parents=[common], help="create a bootstrap token")
    create.add_argument("token", nargs="?", help="the token to create ([a-z0-9]{6}.[a-z0-9]{16}; default: random)")
    create.add_argument("--ttl", default="24h", help="lifetime, a Go duration; 0 = never expires (default 24h)")
    create.add_argument("--description", default="", help="human-readable description of the token")
    create.add_argument("--groups", default="", help="extra groups, comma separated (system:bootstrappers:...)")
    create.add_argument("--usages", default="signing,authentication", help="default signing,authentication")
    create.add_argument("--print-join-command", action="store_true", help="print the whole `kubemini join` line")
    create.add_argument("--server", help="HOST:PORT joining machines reach the apiserver at (join command)")
    actions.add_parser("list", parents=[common], help="list the bootstrap tokens")
    delete = actions.add_parser("delete", parents=[common], help="delete bootstrap tokens")
    delete.add_argument("tokens", nargs="+", metavar="ID|TOKEN")


def _http(config: ClientConfig) -> httpx.Client:
    return httpx.Client(
        base_url=config.server, verify=config.ssl_context(), headers=config.headers(), timeout=REQUEST_TIMEOUT_SECONDS
    )


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _human(seconds: float) -> str:
    """kubeadm's TTL column: the largest unit, rounded down (23h, 59m, 30s)."""
    seconds = int(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def token_rows(secrets: list[dict], now: datetime) -> list[list[str]]:
    rows = []
    for secret in secrets:
        token = bt.secret_token(secret)
        if token is None:
            continue
        expiration = bt.secret_data(secret, bt.EXPIRATION_KEY)
        left, expired = bt.expiration_of(secret, now)
        ttl = "<forever>" if not expiration else ("<invalid>" if expired else _human(left))
        usages = ",".join(u for u in bt.KNOWN_USAGES[::-1] if bt.has_usage(secret, u))
        groups = bt.secret_data(secret, bt.EXTRA_GROUPS_KEY) or "<none>"
        description = bt.secret_data(secret, bt.DESCRIPTION_KEY) or "<none>"
        rows.append([str(token), ttl, expiration or "<never>", usages, description, groups])
    return rows


def join_command(server: str, token: str, ca_pem: bytes) -> str:
    address = server.removeprefix("https://").rstrip("/")
    return f"kubemini join --server https://{address} --token {token} --ca-cert-hash {ca_cert_hash(ca_pem)}"


def create_token(
    http: httpx.Client,
    *,
    now: datetime,
    token: str | None = None,
    ttl: str = "24h",
    usages: str = "signing,authentication",
    groups: str = "",
    description: str = "",
) -> bt.BootstrapToken:
    chosen = bt.parse_token(token) if token else bt.generate_token()
    try:
        ttl_seconds = parse_duration_seconds(ttl)
    except ValueError as error:
        raise bt.TokenError(f"invalid --ttl {ttl!r}: {error}") from error
    expiration = now + timedelta(seconds=ttl_seconds) if ttl_seconds > 0 else None
    secret = bt.token_secret(
        chosen, expiration=expiration, usages=_split(usages), groups=_split(groups), description=description,
    )  # fmt: skip
    response = http.post(SECRETS_PATH, json=secret)
    if response.status_code == 409:
        raise bt.TokenError(f'a token with id "{chosen.id}" already exists')
    response.raise_for_status()
    return chosen


def issue_join_token(home: ClusterHome, *, description: str, ttl: str = "24h") -> str:
    """A new bootstrap token for `kubemini join`, made with the home's admin kubeconfig (what `up` prints)."""
    config = resolve_config(None, kubeconfig=home.kubeconfig_path)
    try:
        with _http(config) as http:
            return str(create_token(http, now=datetime.now(UTC), ttl=ttl, description=description))
    except httpx.HTTPError as error:
        raise bt.TokenError(f"creating a bootstrap token at {config.server}: {error}") from error


def _print_table(rows: list[list[str]], out: TextIO) -> None:
    header = ["TOKEN", "TTL", "EXPIRES", "USAGES", "DESCRIPTION", "EXTRA GROUPS"]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        print("   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), file=out)


def list_tokens(http: httpx.Client, now: datetime, out: TextIO) -> None:
    response = http.get(SECRETS_PATH, params={"fieldSelector": f"type={bt.SECRET_TYPE}"})
    response.raise_for_status()
    _print_table(token_rows(response.json().get("items") or [], now), out)


def delete_tokens(http: httpx.Client, given: list[str], out: TextIO) -> None:
    for text in given:
        token_id = text.partition(".")[0]
        if not bt.ID_PATTERN.match(token_id):
            raise bt.TokenError(f"given token or token id {text!r} didn't match pattern {bt.ID_PATTERN.pattern!r}")
        response = http.delete(f"{SECRETS_PATH}/{bt.SECRET_PREFIX}{token_id}")
        if response.status_code == 404:
            raise bt.TokenError(f'bootstrap token "{token_id}" not found')
        response.raise_for_status()
        print(f'bootstrap token "{token_id}" deleted', file=out)


def run_token_command(home: ClusterHome, args: argparse.Namespace, *, out: TextIO) -> int:
    config = resolve_config(None, kubeconfig=home.kubeconfig_path)
    now = datetime.now(UTC)
    try:
        with _http(config) as http:
            if args.token_command == "create":
                token = create_token(
                    http, now=now, token=args.token, ttl=args.ttl, usages=args.usages, groups=args.groups,
                    description=args.description,
                )  # fmt: skip
                if args.print_join_command:
                    print(join_command(args.server or config.server, str(token), config.ca_pem or b""), file=out)
                else:
                    print(token, file=out)
            elif args.token_command == "list":
                list_tokens(http, now, out)
            else:
                delete_tokens(http, args.tokens, out)
        return 0
    except bt.TokenError as error:
        print(f"error: {error}", file=out)
    except httpx.HTTPError as error:
        print(f"error: talking to the apiserver at {config.server}: {error}", file=out)
    return 1
