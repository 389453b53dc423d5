"""Shared fixtures: a real etcd and a real apiserver per test session."""

from __future__ import annotations

import pytest

from tests.support.processes import ApiServer, EtcdServer


@pytest.fixture(scope="session")
def etcd_server(tmp_path_factory):
    server = EtcdServer(tmp_path_factory.mktemp("etcd") / "data").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def apiserver(etcd_server, tmp_path_factory):
    server = ApiServer(etcd_server.url, tmp_path_factory.mktemp("apiserver") / "apiserver.log").start()
    yield server
    server.stop()


@pytest.fixture
def own_etcd(tmp_path):
    """An etcd only this test uses (for compaction and outage tests)."""
    server = EtcdServer(tmp_path / "etcd").start()
    yield server
    server.stop()


@pytest.fixture
def own_apiserver(own_etcd, tmp_path):
    """An apiserver only this test uses; the test may kill and restart it."""
    server = ApiServer(own_etcd.url, tmp_path / "apiserver.log").start()
    yield server
    server.stop()
