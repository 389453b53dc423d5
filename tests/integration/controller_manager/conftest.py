"""Fixtures: a controller manager, the scheduler and three hollow kubelet nodes for this package;
a fresh namespace per test.

The package-scoped cluster runs against the session apiserver and goes away when
the last controller-manager test is done, so other packages never share a
cluster with running controllers. Tests that kill nodes bring their own
apiserver (see test_node_lifecycle.py).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.integration.controller_manager.cluster import Api, ControllerManager, HollowNodes, Scheduler
from tests.support.kubectl import Kubectl, write_kubeconfig

HOLLOW_PREFIX = "hollow-cm-"
HOLLOW_COUNT = 3


@dataclass
class Cluster:
    url: str
    manager: ControllerManager
    scheduler: Scheduler
    nodes: HollowNodes
    kubeconfig: Path


@pytest.fixture(scope="package")
def cluster(apiserver, tmp_path_factory):
    logs = tmp_path_factory.mktemp("controller-manager")
    started: list = []
    try:
        manager = ControllerManager(apiserver.url, logs / "controller-manager.log").start()
        started.append(manager)
        scheduler = Scheduler(apiserver.url, logs / "scheduler.log").start()
        started.append(scheduler)
        nodes = HollowNodes(apiserver.url, HOLLOW_PREFIX, HOLLOW_COUNT, logs / "kubelet.log").start()
        started.append(nodes)
        kubeconfig = write_kubeconfig(logs / "kubeconfig", apiserver.url)
        yield Cluster(apiserver.url, manager, scheduler, nodes, kubeconfig)
    finally:
        for process in reversed(started):
            process.stop()
        # The session apiserver outlives this package: leave no Ready-looking node behind for others.
        with httpx.Client(base_url=apiserver.url, timeout=10) as http:
            for index in range(HOLLOW_COUNT):
                http.delete(f"/api/v1/nodes/{HOLLOW_PREFIX}{index}")


@pytest.fixture
def api(cluster):
    client = Api(cluster.url)
    yield client
    client.close()


@pytest.fixture
def kubectl(cluster):
    return Kubectl(cluster.kubeconfig)


@pytest.fixture
def namespace(api):
    name = f"cm-{secrets.token_hex(4)}"
    api.create("/api/v1/namespaces", {"metadata": {"name": name}})
    return name
