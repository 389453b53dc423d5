"""An operator written with kopf, run as its own process against the cluster (apiserver + controller-manager).

It watches CronTabs, creates a ConfigMap owned by each and patches its status; deleting the CronTab
removes the ConfigMap (garbage collector, owner references).
"""

from __future__ import annotations

import copy
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.controller_manager.cluster import ControllerManager, log_tail, terminate
from tests.support.api_http import api_http
from tests.support.custom_resources import CRDS_PATH, crontab, crontab_crd, wait_served
from tests.support.kubectl import write_kubeconfig

HANDLERS = Path(__file__).parent / "kopf_operator" / "handlers.py"
DEADLINE_SECONDS = 30.0


def wait_for(predicate, *, what: str, process, log: Path):
    deadline, last = time.monotonic() + DEADLINE_SECONDS, None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"kopf exited with {process.returncode} while waiting for {what}:\n{log_tail(log)}")
        last = predicate()
        if last:
            return last
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; last seen {last!r}; kopf log:\n{log_tail(log)}")


@pytest.fixture
def cluster(apiserver, tmp_path):
    manager = ControllerManager(apiserver.url, tmp_path / "controller-manager.log").start()
    yield apiserver
    manager.stop()


def test_a_kopf_operator_manages_configmaps_for_a_custom_resource(cluster, tmp_path):
    group = f"kopf{secrets.token_hex(3)}.example.com"
    body = crontab_crd(group)
    # kopf records its progress and the handlers' results in status: the schema keeps them.
    body["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"] = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
    }
    namespace = f"kopf-{secrets.token_hex(3)}"
    kubeconfig = write_kubeconfig(tmp_path / "kubeconfig", cluster.url)
    log = tmp_path / "kopf.log"
    with api_http(base_url=cluster.url, timeout=30) as http:
        assert http.post("/api/v1/namespaces", json={"metadata": {"name": namespace}}).status_code == 201
        assert http.post(CRDS_PATH, json=copy.deepcopy(body)).status_code == 201
        wait_served(http, body)
        env = {**os.environ, "KUBECONFIG": str(kubeconfig), "CRONTAB_GROUP": group}
        argv = [sys.executable, "-m", "kopf", "run", "--standalone", "--namespace", namespace, str(HANDLERS)]
        with open(log, "ab") as handle:
            process = subprocess.Popen(argv, stdout=handle, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        try:
            crs = f"/apis/{group}/v1/namespaces/{namespace}/crontabs"
            created = http.post(crs, json=crontab("nightly", group, cronSpec="0 3 * * *"))
            assert created.status_code == 201, created.text
            uid = created.json()["metadata"]["uid"]
            cm_path = f"/api/v1/namespaces/{namespace}/configmaps/nightly-schedule"
            configmap = wait_for(
                lambda: http.get(cm_path).json() if http.get(cm_path).status_code == 200 else None,
                what="the operator's ConfigMap",
                process=process,
                log=log,
            )
            assert configmap["data"] == {"cronSpec": "0 3 * * *", "image": "cron:1"}
            (ref,) = configmap["metadata"]["ownerReferences"]
            assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("CronTab", "nightly", uid, True)
            status = wait_for(
                lambda: (http.get(f"{crs}/nightly").json().get("status") or {}).get("create_configmap"),
                what="the handler's result in the CronTab's status",
                process=process,
                log=log,
            )
            assert status == {"configmap": "nightly-schedule"}
            assert http.delete(f"{crs}/nightly").status_code == 200
            wait_for(lambda: http.get(cm_path).status_code == 404, what="the ConfigMap gone", process=process, log=log)
        finally:
            terminate(process)
            http.delete(f"{CRDS_PATH}/{body['metadata']['name']}")
            http.delete(f"/api/v1/namespaces/{namespace}")
