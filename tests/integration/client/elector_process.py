"""One leader-election candidate as its own process, for the multi-process test.

While it leads, it "acts" every tick: checks `is_leader`, then appends
`<identity> <CLOCK_MONOTONIC>` to a shared file with one O_APPEND write. The
test merges every candidate's ticks on the machine-wide monotonic clock; two
leaders acting at once shows up as interleaved identities. SIGTERM is a clean
shutdown (the lease is released); losing the lease ends the process, as
kube-scheduler does.

    python -m tests.integration.client.elector_process --server URL --identity a --ticks FILE
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time

from kubemini.client.api_client import ApiClient
from kubemini.client.leader_election import LeaderElector

TICK_SECONDS = 0.02


async def run_candidate(args: argparse.Namespace) -> int:
    ticks = os.open(args.ticks, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    async with ApiClient(args.server, max_retries=1) as client:
        elector = LeaderElector(
            client,
            namespace=args.namespace,
            name=args.lease,
            identity=args.identity,
            lease_duration_seconds=args.lease_duration,
            renew_deadline_seconds=args.renew_deadline,
            retry_period_seconds=args.retry_period,
        )

        async def act_while_leading() -> None:
            while True:
                if elector.is_leader:
                    os.write(ticks, f"{args.identity} {time.monotonic():.6f}\n".encode())
                await asyncio.sleep(TICK_SECONDS)

        election = asyncio.create_task(elector.run(act_while_leading))
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, election.cancel)
        try:
            await election
            print(f"{args.identity}: lost leadership", flush=True)
            return 3
        except asyncio.CancelledError:
            print(f"{args.identity}: shut down", flush=True)
            return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--identity", required=True)
    parser.add_argument("--ticks", required=True)
    parser.add_argument("--namespace", default="kube-system")
    parser.add_argument("--lease", default="elector-test")
    parser.add_argument("--lease-duration", type=float, default=3)
    parser.add_argument("--renew-deadline", type=float, default=2)
    parser.add_argument("--retry-period", type=float, default=0.3)
    return asyncio.run(run_candidate(parser.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
