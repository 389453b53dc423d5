"""Asking a component whether it is healthy, and waiting until it says so.

Health endpoints are plain HTTP on loopback. Proxies from the environment are
ignored on purpose: an `http_proxy` set for package downloads must not swallow
requests meant for 127.0.0.1.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

PROBE_TIMEOUT_SECONDS = 2.0
PROBE_INTERVAL_SECONDS = 0.1
CONNECT_TIMEOUT_SECONDS = 0.5

# The API server's /readyz is HTTPS on loopback; a health probe reads only the status code, so it
# does not verify the serving certificate (the components themselves do, with the cluster CA).
_opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=ssl._create_unverified_context())
)


@dataclass(frozen=True)
class ProbeResult:
    healthy: bool
    detail: str


class NotHealthyError(RuntimeError):
    """A component exited or stayed unhealthy past its deadline."""


def probe_health(url: str, *, timeout_seconds: float = PROBE_TIMEOUT_SECONDS) -> ProbeResult:
    try:
        with _opener.open(url, timeout=timeout_seconds) as response:
            return ProbeResult(200 <= response.status < 300, f"HTTP {response.status}")
    except urllib.error.HTTPError as error:
        return ProbeResult(False, f"HTTP {error.code}")
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        return ProbeResult(False, str(reason))


def port_accepts_connections(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_SECONDS):
            return True
    except OSError:
        return False


def wait_until_healthy(
    url: str,
    *,
    deadline_seconds: float,
    process: subprocess.Popen[bytes] | None = None,
) -> float:
    """Seconds it took for `url` to answer 2xx; raises NotHealthyError.

    When `process` is given, its exit ends the wait at once: there is no point
    in waiting a minute for a server that died on a bad flag.
    """
    started = time.monotonic()
    deadline = started + deadline_seconds
    last = ProbeResult(False, "not probed yet")
    while True:
        if process is not None and process.poll() is not None:
            raise NotHealthyError(f"exited with status {process.returncode} before becoming healthy")
        last = probe_health(url)
        if last.healthy:
            return time.monotonic() - started
        if time.monotonic() >= deadline:
            raise NotHealthyError(f"{url} not healthy after {deadline_seconds:.0f}s (last answer: {last.detail})")
        time.sleep(PROBE_INTERVAL_SECONDS)
