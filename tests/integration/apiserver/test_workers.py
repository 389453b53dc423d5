"""`--workers 2`: two API server processes on one port, each with its own watch caches, one etcd."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.support.api_http import api_http
from tests.support.processes import ApiServer

NAMESPACE = "/api/v1/namespaces/default"
CONFIGMAPS = f"{NAMESPACE}/configmaps"
ROUNDS = 40


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in status


@pytest.fixture
def workers_api(own_etcd, tmp_path):
    server = ApiServer(own_etcd.url, tmp_path / "apiserver.log", extra_args=("--workers", "2")).start()
    yield server
    server.stop()


def test_two_workers_serve_one_port_and_every_read_sees_the_last_write(workers_api):
    assert len(_children(workers_api.process.pid)) == 2
    for round_number in range(ROUNDS):
        name = f"w-{round_number}"
        # A fresh connection per request: the kernel spreads them over both workers.
        with api_http(base_url=workers_api.url, timeout=30) as client:
            made = client.post(CONFIGMAPS, json={"metadata": {"name": name}, "data": {"n": str(round_number)}})
            assert made.status_code == 201, made.text
        with api_http(base_url=workers_api.url, timeout=30) as client:
            got = client.get(f"{CONFIGMAPS}/{name}")
            assert got.status_code == 200, got.text
        with api_http(base_url=workers_api.url, timeout=30) as client:
            listed = client.get(CONFIGMAPS).json()
        # A consistent list (no resourceVersion) never misses a write that has been answered.
        assert name in {item["metadata"]["name"] for item in listed["items"]}
        assert int(listed["metadata"]["resourceVersion"]) >= int(made.json()["metadata"]["resourceVersion"])


def test_stopping_the_parent_stops_every_worker(own_etcd, tmp_path):
    server = ApiServer(own_etcd.url, tmp_path / "apiserver.log", extra_args=("--workers", "2")).start()
    workers = _children(server.process.pid)
    assert len(workers) == 2
    server.stop()
    assert server.process.returncode == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in workers if _alive(pid)], "a worker outlived its parent"


def test_a_list_behind_etcd_is_answered_only_when_its_prefix_did_not_change(workers_api):
    """Writes to other resources move etcd's revision past a cache's; a list is still exact: it has
    every ConfigMap written before it and a revision at least that of the last write anywhere."""
    names = []
    for round_number in range(ROUNDS):
        with api_http(base_url=workers_api.url, timeout=30) as client:
            if round_number % 2 == 0:
                names.append(f"b-{round_number}")
                body = {"metadata": {"name": names[-1]}, "data": {}}
                assert client.post(f"{NAMESPACE}/configmaps", json=body).status_code == 201
            secret = client.post(f"{NAMESPACE}/secrets", json={"metadata": {"name": f"s-{round_number}"}})
            assert secret.status_code == 201, secret.text
        with api_http(base_url=workers_api.url, timeout=30) as client:
            listed = client.get(f"{NAMESPACE}/configmaps", params={"limit": 500})
        assert listed.status_code == 200, listed.text
        found = [item["metadata"]["name"] for item in listed.json()["items"] if item["metadata"]["name"] in names]
        assert found == sorted(names)
        assert int(listed.json()["metadata"]["resourceVersion"]) >= int(secret.json()["metadata"]["resourceVersion"])
