"""The metrics component as its own process, for the tests that autoscale on hollow nodes.

MetricsServer(url, log, resolution).start() ──► python -m metrics_server --port 0 --metric-resolution R
    ──► waits until metrics.k8s.io answers through the apiserver (APIService registered)
stop() ──► SIGTERM, and the APIService, Service and Endpoints it registered are deleted, so the
           session apiserver serves no dangling aggregated group to later packages
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.integration.controller_manager.cluster import START_DEADLINE_SECONDS, Api, log_tail, spawn, terminate

METRICS_PATH = "/apis/metrics.k8s.io/v1beta1"
REGISTERED = (
    "/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io",
    "/api/v1/namespaces/kube-system/services/metrics-server",
    "/api/v1/namespaces/kube-system/endpoints/metrics-server",
)


@dataclass
class MetricsServer:
    server: str
    log_path: Path
    resolution_seconds: float = 0.5
    process: subprocess.Popen | None = None

    def start(self) -> MetricsServer:
        argv = [
            sys.executable,
            "-m",
            "metrics_server",
            "--server",
            self.server,
            "--port",
            "0",
            "--metric-resolution",
            str(self.resolution_seconds),
        ]
        self.process = spawn(argv, self.log_path)
        api = Api(self.server)
        try:
            api.wait_for(
                lambda: self.process.poll() is None and api.http.get(f"{METRICS_PATH}/nodes").status_code == 200,
                what="metrics.k8s.io served through the apiserver",
                timeout=START_DEADLINE_SECONDS,
                seen=lambda: log_tail(self.log_path),
            )
        finally:
            api.close()
        return self

    def stop(self) -> None:
        terminate(self.process)
        api = Api(self.server)
        try:
            for path in REGISTERED:
                api.http.request("DELETE", path)
        finally:
            api.close()
