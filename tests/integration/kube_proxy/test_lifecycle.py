"""kube-proxy owns the local route of the Service range: installs it, removes it, refuses without it.

Each test uses a range of its own (10.99.1.0/24), never the default one. The
not-root and no-`ip` refusals are unit tests (tests/unit/kube_proxy/test_service_routing.py):
the test venv's interpreter is not reachable by an unprivileged user here.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.integration.kube_proxy.conftest import remove_route
from tests.integration.kube_proxy.proxy_process import REPO_ROOT, KubeProxyProcess, local_route_exists

REFUSAL_TIMEOUT_SECONDS = 30


@pytest.fixture
def spare_range():
    cidr = "10.99.1.0/24"
    assert not local_route_exists(cidr), f"{cidr} is already routed: a previous run left it behind"
    yield cidr
    if local_route_exists(cidr):
        remove_route(cidr)


def test_route_installed_while_running_and_removed_on_sigterm(proxy_apiserver, tmp_path, spare_range):
    proxy = KubeProxyProcess(proxy_apiserver.url, tmp_path / "kube-proxy.log", service_cidr=spare_range)
    try:
        proxy.start()
        assert local_route_exists(spare_range)
    finally:
        code = proxy.stop()

    assert code == 0, proxy.log_tail()
    assert not local_route_exists(spare_range), proxy.log_tail()


def test_route_present_before_start_is_left_in_place(proxy_apiserver, tmp_path, spare_range):
    subprocess.run(["ip", "route", "add", "local", spare_range, "dev", "lo", "table", "local"], check=True)
    proxy = KubeProxyProcess(proxy_apiserver.url, tmp_path / "kube-proxy.log", service_cidr=spare_range)
    try:
        proxy.start()
    finally:
        proxy.stop()

    assert local_route_exists(spare_range), "kube-proxy removed a route it did not install"


def test_route_left_by_a_crashed_kube_proxy_is_adopted_and_removed(proxy_apiserver, tmp_path, spare_range):
    crashed = KubeProxyProcess(proxy_apiserver.url, tmp_path / "crashed.log", service_cidr=spare_range).start()
    crashed.process.kill()
    crashed.process.wait()
    assert local_route_exists(spare_range), "the route should survive a kill -9"

    restarted = KubeProxyProcess(proxy_apiserver.url, tmp_path / "restarted.log", service_cidr=spare_range)
    try:
        restarted.start()
    finally:
        restarted.stop()

    assert not local_route_exists(spare_range), restarted.log_tail()


def test_second_kube_proxy_on_the_same_range_leaves_the_route_to_the_first(proxy_apiserver, tmp_path, spare_range):
    first = KubeProxyProcess(proxy_apiserver.url, tmp_path / "first.log", service_cidr=spare_range)
    second = KubeProxyProcess(proxy_apiserver.url, tmp_path / "second.log", service_cidr=spare_range)
    try:
        first.start()
        second.start()
        second.stop()
        assert local_route_exists(spare_range), "the second kube-proxy removed the first one's route"
    finally:
        second.stop()
        first.stop()

    assert not local_route_exists(spare_range), first.log_tail()


def run_refused(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kube_proxy", *argv],
        capture_output=True,
        text=True,
        timeout=REFUSAL_TIMEOUT_SECONDS,
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )


def test_refuses_a_dns_address_outside_the_range(proxy_apiserver, spare_range):
    result = run_refused(
        ["--server", proxy_apiserver.url, "--port", "0", "--service-cluster-ip-range", spare_range,
         "--cluster-dns", "10.99.2.10"],
    )  # fmt: skip

    assert result.returncode == 1, result.stderr
    assert "outside --service-cluster-ip-range" in result.stderr, result.stderr
    assert not local_route_exists(spare_range)
