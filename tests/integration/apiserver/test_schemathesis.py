"""Schema-driven fuzzing (schemathesis) of every served group-version: no request ever gets a 5xx.

schemathesis reads the served OpenAPI v3 documents (path parameters, request bodies,
answers) and sends generated and mutated requests for every operation. Its own
apiserver and etcd: the fuzzer creates and deletes whatever it likes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.api_http import api_http
from tests.support.processes import REPO_ROOT, ApiServer, EtcdServer

EXAMPLES_PER_OPERATION = 2
TIMEOUT_SECONDS = 600
PARALLEL_FUZZERS = 2


@pytest.fixture(scope="module")
def fuzzed_apiserver(tmp_path_factory):
    base = tmp_path_factory.mktemp("fuzzed")
    etcd = EtcdServer(base / "etcd").start()
    server = ApiServer(etcd.url, base / "apiserver.log")
    try:
        yield server.start()
    finally:
        server.stop()
        etcd.stop()


def _schemathesis() -> str:
    found = shutil.which("schemathesis", path=str(Path(sys.executable).parent))
    if not found:
        raise RuntimeError("schemathesis is not installed: it is a test dependency (pip install -e '.[test]')")
    return found


# Served by another process through the aggregation layer; with none running here every request is
# upstream's 503 "the server is currently unable to handle the request", by design.
AGGREGATED = ("apis/metrics.k8s.io/v1beta1",)


def _group_versions(url: str) -> list[str]:
    return sorted(
        gv for gv in api_http(base_url=url, timeout=10).get("/openapi/v3").json()["paths"] if gv not in AGGREGATED
    )


def test_no_generated_request_gets_a_server_error(fuzzed_apiserver, tmp_path):
    url = fuzzed_apiserver.url
    group_versions = _group_versions(url)
    assert "api/v1" in group_versions and "apis/apps/v1" in group_versions
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "tests.integration.apiserver.schemathesis_hooks",
        "PYTHONPATH": str(REPO_ROOT),
    }

    def fuzz(group_version: str) -> str | None:
        result = subprocess.run(
            [
                _schemathesis(),
                "run",
                f"{url}/openapi/v3/{group_version}",
                "--url",
                url,
                "--checks",
                "not_a_server_error",
                "--max-examples",
                str(EXAMPLES_PER_OPERATION),
                "--phases",
                "examples,fuzzing",
                "--seed",
                "20261201",
                "--request-timeout",
                "20",
                "--no-color",
                "--tls-verify",
                str(fuzzed_apiserver.ca_path),
                "--request-cert",
                str(fuzzed_apiserver.pki.certificate_path("admin")),
                "--request-cert-key",
                str(fuzzed_apiserver.pki.key_path("admin")),
            ],  # fmt: skip
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            env=env,
            timeout=TIMEOUT_SECONDS,
        )
        if result.returncode != 0:
            return f"== {group_version}\n{result.stdout[-4000:]}{result.stderr[-2000:]}"
        return None

    # Two fuzzers at once: each spends as much time generating requests as the apiserver answering them.
    with ThreadPoolExecutor(max_workers=PARALLEL_FUZZERS) as pool:
        failures = [failure for failure in pool.map(fuzz, group_versions) if failure]
    log = fuzzed_apiserver.log_path.read_text(errors="replace")
    assert not failures, "\n".join(failures)
    assert "Traceback" not in log, log[-4000:]
