"""The event loop a byte-relaying component runs on: `--event-loop auto|uvloop|asyncio`.

    auto    ──► uvloop when installed (less overhead per relayed chunk), else asyncio
    uvloop  ──► uvloop, or exit 1 with one line on stderr when it is not installed
    asyncio ──► the standard loop
kube-proxy and the ingress controller share it.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

CHOICES = ("auto", "uvloop", "asyncio")


def add_event_loop_flag(parser: argparse.ArgumentParser, *, default: str) -> None:
    parser.add_argument(
        "--event-loop",
        choices=CHOICES,
        default=default,
        help="auto: uvloop when installed (it relays bytes with less overhead per chunk), else asyncio",
    )


def install_event_loop(choice: str, *, component: str) -> str:
    """Install the chosen loop policy; the name of the loop that will run."""
    if choice == "asyncio":
        return "asyncio"
    try:
        import uvloop
    except ImportError:
        if choice == "uvloop":
            print(f"{component}: --event-loop uvloop, but uvloop is not installed", file=sys.stderr)
            sys.exit(1)
        return "asyncio"
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    return "uvloop"
