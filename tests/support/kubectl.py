"""The real kubectl v1.35 binary, installed by deploy/setup_host.sh, and a kubeconfig for it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from kubemini.cli.kubeconfig import build_kubeconfig
from kubemini.cli.kubeconfig import write_kubeconfig as write_kubeconfig_file
from kubemini.pki.certificates import KeyPair
from tests.support.api_http import credentials_for
from tests.support.processes import REPO_ROOT

KUBECTL_TIMEOUT_SECONDS = 60


def kubectl_binary() -> Path:
    path = Path(os.environ.get("KUBEMINI_KUBECTL", REPO_ROOT / ".cache" / "bin" / "kubectl"))
    if not path.exists():
        raise RuntimeError(f"kubectl not found at {path}: run `bash deploy/setup_host.sh`")
    return path


def write_kubeconfig(path: Path, server_url: str) -> Path:
    """A kubeconfig for `server_url`: a test API server's admin credentials when it is one."""
    known = credentials_for(server_url)
    if known is not None:
        pair = KeyPair(known.certificate_pem, known.key_pem)
        write_kubeconfig_file(path, build_kubeconfig(known.server, ca_pem=known.ca_pem, client=pair))
        return path
    path.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: test\n  cluster:\n    server: {server_url}\n"
        "contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n"
        "current-context: test\nusers:\n- name: test\n  user: {}\n"
    )
    return path


class Kubectl:
    def __init__(self, kubeconfig: Path):
        self.binary = kubectl_binary()
        self.kubeconfig = kubeconfig

    def run(
        self, *args: str, input_text: str | None = None, check: bool = True, env: dict | None = None
    ) -> subprocess.CompletedProcess:
        result = subprocess.run(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args],
            input=input_text,
            capture_output=True,
            text=True,
            timeout=KUBECTL_TIMEOUT_SECONDS,
            env={**os.environ, **env} if env else None,
        )
        if check and result.returncode != 0:
            raise AssertionError(
                f"kubectl {' '.join(args)} failed ({result.returncode}):\n{result.stderr}{result.stdout}"
            )
        return result

    def popen(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [str(self.binary), "--kubeconfig", str(self.kubeconfig), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
