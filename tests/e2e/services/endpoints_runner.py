"""`python -m tests.e2e.services.endpoints_runner --server URL`: the Endpoints controller alone.

Stands in for the controller-manager until it registers `endpoints` itself
(cluster.py stops starting this as soon as it does). SIGTERM ends it.
"""

from __future__ import annotations

import argparse

from controller_manager.endpoints import EndpointsController
from kubemini.client.api_client import ApiClient
from kubemini.client.shared_informers import SharedInformers
from kubemini.component.lifecycle import run_until_signalled
from kubemini.component.options import configure_logging


async def run(server: str) -> None:
    async with ApiClient(server, user_agent="endpoints-controller") as client:
        informers = SharedInformers(client)
        controller = EndpointsController(client, informers)
        informers.start()
        try:
            await controller.run()
        finally:
            await informers.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="endpoints_runner")
    parser.add_argument("--server", required=True)
    args = parser.parse_args()
    configure_logging("info", component="endpoints-controller")
    run_until_signalled(lambda: run(args.server))


if __name__ == "__main__":
    main()
