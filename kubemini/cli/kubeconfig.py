"""Writing the kubeconfig that points kubectl (and our components) at the cluster.

`up` always writes `<home>/kubeconfig`. It also writes `~/.kube/config` so a
bare `kubectl` works, but never at the cost of a user's own configuration:
the file is written when it is absent, refreshed when it holds nothing but a
kubemini cluster (an earlier `up`, perhaps on another port), and otherwise
left alone (the printed `export KUBECONFIG=...` hint covers that case).

Each kubeconfig embeds the cluster CA and its user's client certificate and key (as kubeadm's
admin.conf does), so it works copied anywhere; components get their own, with their own identity.
"""

from __future__ import annotations

import base64
import os
from enum import Enum
from pathlib import Path
from typing import Any

import yaml

from kubemini.pki.certificates import KeyPair

CONTEXT_NAME = "kubemini"
KUBECONFIG_FILE_MODE = 0o600


class UserKubeconfigOutcome(Enum):
    WRITTEN = "written"
    REFRESHED = "refreshed (it held only a kubemini cluster)"
    KEPT = "kept as it is (it has other clusters)"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def build_kubeconfig(
    server_url: str,
    *,
    name: str = CONTEXT_NAME,
    ca_pem: bytes | None = None,
    client: KeyPair | None = None,
    token: str | None = None,
) -> dict[str, Any]:
    cluster: dict[str, Any] = {"server": server_url}
    if ca_pem:
        cluster["certificate-authority-data"] = _b64(ca_pem)
    user: dict[str, Any] = {}
    if client is not None:
        user["client-certificate-data"] = _b64(client.certificate_pem)
        user["client-key-data"] = _b64(client.key_pem)
    if token:
        user["token"] = token
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": name, "cluster": cluster}],
        "users": [{"name": name, "user": user}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name, "namespace": "default"}}],
        "current-context": name,
    }


def write_kubeconfig(path: Path, config: dict[str, Any]) -> None:
    """Write atomically with mode 0600: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, KUBECONFIG_FILE_MODE)
    with os.fdopen(descriptor, "w") as handle:
        yaml.safe_dump(config, handle, default_flow_style=False, sort_keys=False)
    partial.replace(path)


def _names(config: dict[str, Any], section: str) -> list[Any]:
    entries = config.get(section) or []
    return [entry.get("name") for entry in entries if isinstance(entry, dict)]


def holds_only_kubemini(config: Any, *, name: str = CONTEXT_NAME) -> bool:
    if not isinstance(config, dict):
        return False
    return all(_names(config, section) in ([], [name]) for section in ("clusters", "contexts", "users"))


def install_user_kubeconfig(path: Path, config: dict[str, Any]) -> UserKubeconfigOutcome:
    if not path.exists():
        write_kubeconfig(path, config)
        return UserKubeconfigOutcome.WRITTEN
    try:
        existing = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return UserKubeconfigOutcome.KEPT  # unreadable: not ours to repair
    if holds_only_kubemini(existing):
        write_kubeconfig(path, config)
        return UserKubeconfigOutcome.REFRESHED
    return UserKubeconfigOutcome.KEPT
