"""`kubemini certs renew`: every leaf certificate reissued by the kept CA, then the cluster restarted.

ClusterPki.ensure(force) ──► new serving + client certificates, kubeconfigs rewritten
running? ──► down (no purge: etcd keeps its data) ──► up: every process loads its new certificate
"""

from __future__ import annotations

from typing import TextIO

from kubemini.cli.components import installed_components
from kubemini.cli.credentials import prepare_credentials
from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import ClusterSettings, load_settings
from kubemini.cli.starting import bring_up, running_components
from kubemini.cli.stopping import bring_down

RESTART_DEADLINE_SECONDS = 60.0
STOP_GRACE_SECONDS = 10.0


def renew_certificates(home: ClusterHome, *, out: TextIO) -> int:
    settings = load_settings(home.settings_path) or ClusterSettings()
    _, issued = prepare_credentials(home, settings, installed_components(), force=True)
    print(f"renewed {len(issued)} certificates in {home.pki_dir}: {', '.join(issued)}", file=out)
    if not running_components(home):
        return 0
    print("restarting the cluster so every component loads its new certificate", file=out)
    stopped = bring_down(home, purge=False, timeout_seconds=STOP_GRACE_SECONDS, out=out)
    if stopped != 0:
        return stopped
    return bring_up(home, port_overrides={}, deadline_seconds=RESTART_DEADLINE_SECONDS, user_kubeconfig=None, out=out)
