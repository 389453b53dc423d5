"""`--workers N`: N API server processes on the same ports, like N kube-apiservers behind one address.

    parent ──fork──► worker 1..N: each binds every listener with SO_REUSEPORT (the kernel spreads
                     connections across them), runs the app's lifespan (its own etcd client, watch
                     caches, bootstrap) and serves; etcd is what they share, as several
                     kube-apiservers do (bootstrap and writes already tolerate a concurrent peer)
    SIGTERM/SIGINT to the parent ──► passed to every worker; the parent exits when they have
    a worker exits ──► the others are stopped too, and the parent exits with the first one's status

`default_workers()`: one per two CPUs (etcd, the controllers and the scheduler need the rest),
at least 1 and at most MAX_DEFAULT_WORKERS.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from collections.abc import Callable

MAX_DEFAULT_WORKERS = 4


def default_workers() -> int:
    return max(1, min(MAX_DEFAULT_WORKERS, (os.cpu_count() or 1) // 2))


def reuse_port_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    return sock


def run_workers(count: int, serve: Callable[[], None]) -> None:
    """Fork `count` processes that each call `serve()` (which binds its own sockets), and wait."""
    children: list[int] = []
    for _ in range(count):
        pid = os.fork()
        if pid == 0:  # the worker: default signal handling, serve, exit
            code = 0
            try:
                serve()
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            except BaseException:  # noqa: BLE001 - a worker's crash is reported by its exit status
                import traceback

                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)
        children.append(pid)

    def forward(signum, _frame) -> None:
        for child in children:
            try:
                os.kill(child, signum)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    first_status: int | None = None
    alive = set(children)
    while alive:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        alive.discard(pid)
        if first_status is None:
            first_status = os.waitstatus_to_exitcode(status)
            forward(signal.SIGTERM, None)  # one worker gone: the API is not whole, stop the rest
    sys.exit(max(first_status or 0, 0))
