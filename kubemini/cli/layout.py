"""Where a kubemini cluster keeps its files on this machine.

One directory holds everything a cluster owns, so that `down --purge` is a
single removal and two clusters (a developer's and a test's) never share a
file:

    <home>/etcd/                 etcd's data
    <home>/logs/<component>.log  each process's stdout and stderr
    <home>/run/<component>.pid   pid files of running processes
    <home>/run/cluster.json      the ports `up` used, for `status` and `down`
    <home>/kubeconfig            how kubectl reaches the apiserver (the admin's certificate)
    <home>/pki/                  the cluster CA, the serving certificate, one client certificate per identity
    <home>/kubeconfigs/<c>.conf  each component's kubeconfig, with its own identity

The directory is `--home`, else `$KUBEMINI_HOME`, else `~/.local/share/kubemini`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

HOME_ENV = "KUBEMINI_HOME"
DEFAULT_HOME = "~/.local/share/kubemini"


@dataclass(frozen=True)
class ClusterHome:
    root: Path

    @classmethod
    def resolve(cls, explicit: str | None = None, environ: Mapping[str, str] | None = None) -> ClusterHome:
        environ = os.environ if environ is None else environ
        chosen = explicit or environ.get(HOME_ENV) or DEFAULT_HOME
        return cls(Path(chosen).expanduser().resolve())

    @property
    def etcd_dir(self) -> Path:
        return self.root / "etcd"

    @property
    def logs_dir(self) -> Path:
        return self.root / "logs"

    @property
    def run_dir(self) -> Path:
        return self.root / "run"

    @property
    def settings_path(self) -> Path:
        return self.run_dir / "cluster.json"

    @property
    def kubeconfig_path(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def pki_dir(self) -> Path:
        return self.root / "pki"

    @property
    def kubelet_dir(self) -> Path:
        return self.root / "kubelet"

    def component_kubeconfig(self, component: str) -> Path:
        return self.root / "kubeconfigs" / f"{component}.conf"

    def log_path(self, component: str) -> Path:
        return self.logs_dir / f"{component}.log"

    def pid_path(self, component: str) -> Path:
        return self.run_dir / f"{component}.pid"

    def create(self) -> None:
        for directory in (self.root, self.logs_dir, self.run_dir):
            directory.mkdir(parents=True, exist_ok=True)
