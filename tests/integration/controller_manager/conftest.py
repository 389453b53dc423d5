"""Fixtures: a controller manager, the scheduler, three hollow kubelet nodes and three scripted
nodes (tainted: only workloads that finish, such as Jobs, tolerate them) for this package;
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

import pytest

from tests.integration.controller_manager.cluster import Api, ControllerManager, HollowNodes, Scheduler
from tests.integration.controller_manager.scripted_nodes import SCRIPTED_TAINT, ScriptedNodes
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig

HOLLOW_PREFIX = "hollow-cm-"
HOLLOW_COUNT = 3
SCRIPTED_NAMES = [f"scripted-cm-{i}" for i in range(3)]
# Short leases so a restarted controller-manager takes over within seconds of a kill -9.
LEASE_FLAGS = ("--lease-duration-seconds", "3", "--renew-deadline-seconds", "2", "--retry-period-seconds", "0.5")
ROOT_CA_NAME = "root-ca.crt"
ROOT_CA = "-----BEGIN CERTIFICATE-----\nMIIBkTCB+wIJAKHBfpegPjMCMA0GCSqGSIb3DQEBCwUA\n-----END CERTIFICATE-----\n"
# The CronJob and HPA controllers run inside their tests, on a clock they move (test_cronjob.py, test_hpa.py).
MANAGER_FLAGS = (*LEASE_FLAGS, "--job-backoff-base", "0.2", "--controllers", "*,-cronjob,-horizontalpodautoscaling")


@dataclass
class Cluster:
    url: str
    manager: ControllerManager
    scheduler: Scheduler
    nodes: HollowNodes
    scripted: ScriptedNodes
    kubeconfig: Path
    logs: Path

    @property
    def manager_flags(self) -> tuple[str, ...]:
        return (*MANAGER_FLAGS, "--root-ca-file", str(self.logs / ROOT_CA_NAME))

    def restart_manager(self, *, kill: bool) -> ControllerManager:
        """Stop (SIGKILL when `kill`) the controller-manager and start a new one taking over its Lease."""
        if kill:
            self.manager.process.kill()
            self.manager.process.wait()
        else:
            self.manager.stop()
        self.manager = ControllerManager(self.url, self.logs / "controller-manager.log", self.manager_flags).start()
        return self.manager


@pytest.fixture(scope="package")
def cluster(apiserver, tmp_path_factory):
    logs = tmp_path_factory.mktemp("controller-manager")
    started: list = []
    cluster = None
    try:
        (logs / ROOT_CA_NAME).write_text(ROOT_CA)
        flags = (*MANAGER_FLAGS, "--root-ca-file", str(logs / ROOT_CA_NAME))
        manager = ControllerManager(apiserver.url, logs / "controller-manager.log", flags).start()
        started.append(manager)
        scheduler = Scheduler(apiserver.url, logs / "scheduler.log").start()
        started.append(scheduler)
        nodes = HollowNodes(apiserver.url, HOLLOW_PREFIX, HOLLOW_COUNT, logs / "kubelet.log").start()
        started.append(nodes)
        scripted = ScriptedNodes(apiserver.url, SCRIPTED_NAMES, taints=[SCRIPTED_TAINT]).start()
        started.append(scripted)
        kubeconfig = write_kubeconfig(logs / "kubeconfig", apiserver.url)
        cluster = Cluster(apiserver.url, manager, scheduler, nodes, scripted, kubeconfig, logs)
        yield cluster
    finally:
        for process in reversed(started):
            process.stop()
        if cluster is not None:
            cluster.manager.stop()  # a test may have replaced the first one
        # The session apiserver outlives this package: leave no Ready-looking node behind for others.
        with api_http(base_url=apiserver.url, timeout=10) as http:
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
