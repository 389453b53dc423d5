"""The kubelet meets stored pods it cannot interpret, and goes on running the others.

A hollow-node kubelet on its own etcd and apiserver: pods bound to its node but
malformed in storage are written straight into etcd; valid pods bound to the same
node must still reach Running, and the kubelet must not crash.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tests.integration.kubelet.conftest import wait_until
from tests.support.api_http import api_http
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT
from tests.support.raw_etcd import put_raw

NODE_PREFIX = "malformed-"
NODE = f"{NODE_PREFIX}0"
BAD_SPECS = {
    "containers-string": {"containers": "nginx"},
    "env-string": {"containers": [{"name": "c", "image": "i", "env": "A=1"}]},
    "volumes-map": {"containers": [{"name": "c", "image": "i"}], "volumes": {"v": {}}},
    "probe-list": {"containers": [{"name": "c", "image": "i", "livenessProbe": ["exec"]}]},
    "grace-string": {"containers": [{"name": "c", "image": "i"}], "terminationGracePeriodSeconds": "soon"},
}


async def _plant(etcd_url: str) -> None:
    for name, spec in BAD_SPECS.items():
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": "default", "uid": f"uid-{name}"},
            "spec": {"nodeName": NODE, **spec},
            "status": {"phase": "Pending"},
        }
        await put_raw(etcd_url, f"/registry/pods/default/{name}", pod)
    await put_raw(etcd_url, "/registry/pods/default/not-json", b"\xff")


def _start_kubelet(server: str, log_path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    argv = [
        sys.executable, "-m", "kubelet", "--server", server, "--runtime", "fake", "--nodes", "1",
        "--node-name-prefix", NODE_PREFIX, "--port", str(port), "--heartbeat-seconds", "1",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env={**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        )
    return process, port


def test_kubelet_runs_valid_pods_next_to_malformed_ones(own_etcd, own_apiserver, tmp_path):
    asyncio.run(_plant(own_etcd.url))
    process, _ = _start_kubelet(own_apiserver.url, tmp_path / "kubelet.log")
    try:
        with api_http(base_url=own_apiserver.url, timeout=10) as api:
            for name in ("fine-1", "fine-2"):
                pod = {
                    "metadata": {"name": name},
                    "spec": {"nodeName": NODE, "containers": [{"name": "c", "image": "kubemini/busybox:1.35"}]},
                }
                api.post("/api/v1/namespaces/default/pods", json=pod).raise_for_status()

            def both_running() -> bool:
                phases = {
                    n: api.get(f"/api/v1/namespaces/default/pods/{n}").json()["status"].get("phase")
                    for n in ("fine-1", "fine-2")
                }
                return all(phase == "Running" for phase in phases.values())

            wait_until(
                both_running,
                what="the valid pods Running",
                timeout=30,
                context=lambda: (tmp_path / "kubelet.log").read_text()[-3000:],
            )
            assert process.poll() is None, "the kubelet must not crash on malformed pods"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
