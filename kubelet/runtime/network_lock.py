"""One sandbox network change at a time on the machine, across every kubelet sharing the engine.

    DockerRuntime: start / stop / remove of a pause container
        ──► asyncio lock (this process) ──► flock(NETWORK_LOCK_PATH) (other kubelet processes)
        ──► the Docker call (a stop also waits for Docker's exit handling to finish)

Docker 20.10's libnetwork can deadlock the whole daemon when many containers
join or leave one user-defined network at the same moment: endpoint deletes
block sending to its service-record watch loop while that loop waits for a
network lock they hold. A parallel `docker rm -f` of twenty running sandboxes
did exactly that here; after it every inspect and `docker info` hung until the
daemon was restarted. App containers share their sandbox's network namespace
(`network_mode=container:`) and never touch the network, so only sandboxes are
serialised, and a sandbox start costs a quarter second, so a burst of pods
still starts in well under the time of the same `docker run`s one by one.
"""

from __future__ import annotations

import fcntl
from typing import Any

NETWORK_LOCK_PATH = "/tmp/kubemini-docker-network.lock"


def holding_file_lock(path: str, function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call `function` holding an exclusive flock on `path` (blocking: run it in a worker thread)."""
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            return function(*args, **kwargs)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
