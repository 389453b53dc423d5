"""`python -m dashboard` as `kubemini up` starts it (--kubeconfig, --bind-address, --port) against a real apiserver."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from kubemini.pki.cluster_pki import DASHBOARD
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT, ApiServer
from tests.support.service_account_tokens import service_account_token

START_DEADLINE_SECONDS = 20.0
CSRF = {"X-Kubemini-Dashboard": "1"}


@contextlib.contextmanager
def running_dashboard(apiserver: ApiServer, base: Path) -> Iterator[str]:
    """The dashboard with its own kubeconfig (server, CA, and a certificate bound to no role)."""
    base.mkdir(parents=True, exist_ok=True)
    kubeconfig = apiserver.kubeconfig_for(DASHBOARD, base / "kubeconfig")
    port = free_port()
    argv = [
        sys.executable,
        "-m",
        "dashboard",
        "--kubeconfig",
        str(kubeconfig),
        "--bind-address",
        "127.0.0.1",
        "--port",
        str(port),
        "--metrics-interval-seconds",
        "0.5",
    ]
    log_path = base / "dashboard.log"
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_DEADLINE_SECONDS
    try:
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"no /healthz within {START_DEADLINE_SECONDS}s: {log_path.read_text()}"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def dashboard(apiserver, tmp_path_factory):
    with running_dashboard(apiserver, tmp_path_factory.mktemp("dashboard")) as url:
        yield url


@pytest.fixture
def api(apiserver):
    with apiserver.http(timeout=10) as client:
        yield client


@pytest.fixture
def namespace(api):
    name = f"dash-{uuid.uuid4().hex[:8]}"
    api.post("/api/v1/namespaces", json={"metadata": {"name": name}}).raise_for_status()
    return name


def admin_token(apiserver: ApiServer) -> str:
    """A ServiceAccount bound to cluster-admin: what a cluster's operator logs in with."""
    with apiserver.http(timeout=10) as api:
        name = f"dashboard-admin-{uuid.uuid4().hex[:6]}"
        return service_account_token(api, "default", name, cluster_role="cluster-admin", cluster_wide=True)


@pytest.fixture(scope="module")
def token(apiserver):
    return admin_token(apiserver)


@contextlib.contextmanager
def logged_in(url: str, token: str) -> Iterator[httpx.Client]:
    """An HTTP client that logged in as a browser does (cookie jar, anti-CSRF header)."""
    with httpx.Client(base_url=url, timeout=10) as client:
        response = client.post("/login", json={"token": token}, headers=CSRF)
        assert response.status_code == 200, response.text
        yield client


@pytest.fixture
def browser(dashboard, token):
    with logged_in(dashboard, token) as client:
        yield client


@dataclass
class SseEvent:
    id: str | None
    data: dict


def read_events(response: httpx.Response) -> Iterator[SseEvent]:
    event_id, data = None, None
    for line in response.iter_lines():
        if line.startswith("id: "):
            event_id = line[4:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif line == "" and data is not None:
            yield SseEvent(event_id, data)
            event_id, data = None, None


def next_event(events: Iterator[SseEvent], predicate, *, limit: int = 200) -> SseEvent:
    for _ in range(limit):
        event = next(events)
        if predicate(event.data):
            return event
    raise AssertionError("no such event in the stream")
