"""`python -m kubemini.pki`: make (or refresh) a cluster's PKI directory and its kubeconfigs.

    python -m kubemini.pki --dir D --server https://127.0.0.1:6443 --node-names a,b \\
        [--service-cidr 10.96.0.0/16] [--extra-names host,10.0.0.5] [--owner UID:GID] [--force]

writes D/pki/ (CA, serving and client certificates), D/kubeconfigs/<component>.conf and
D/admin.conf (see kubemini.pki.standalone). Idempotent: what is valid is kept. The docker compose
cluster runs it as its one-shot `pki` service before every other component.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kubemini.pki.standalone import change_owner, node_name_problems, write_directory

DEFAULT_SERVICE_CIDR = "10.96.0.0/16"


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _owner(text: str) -> tuple[int, int] | None:
    if not text:
        return None  # `--owner=` (an unset compose variable): leave ownership as it is
    user, _, group = text.partition(":")
    try:
        return int(user), int(group or user)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected UID[:GID] as numbers, got {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m kubemini.pki", description=__doc__.split("\n")[0])
    parser.add_argument("--dir", required=True, type=Path, help="the directory to make or refresh")
    parser.add_argument("--server", required=True, help="the apiserver URL every kubeconfig names")
    parser.add_argument("--node-names", type=_names, default=(), help="comma-separated: one kubelet identity each")
    parser.add_argument(
        "--service-cidr",
        default=os.environ.get("KUBEMINI_SERVICE_CIDR", DEFAULT_SERVICE_CIDR),
        help="the Service range: its first address (the `kubernetes` Service) goes into the serving certificate",
    )
    parser.add_argument("--extra-names", type=_names, default=(), help="more DNS names or IPs to serve as")
    parser.add_argument("--owner", type=_owner, help="UID[:GID] to give the directory to (default: unchanged)")
    parser.add_argument("--force", action="store_true", help="reissue every leaf certificate (the CA is kept)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    problems = node_name_problems(args.node_names)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 2
    issued = write_directory(
        args.dir,
        server_url=args.server,
        node_names=args.node_names,
        service_cidr=args.service_cidr,
        extra_names=args.extra_names,
        force=args.force,
    )
    if args.owner is not None:
        change_owner(args.dir, *args.owner)
    print(f"{args.dir}: issued {', '.join(issued)}" if issued else f"{args.dir}: every certificate kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
