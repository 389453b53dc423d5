"""`kubemini status`: for each component, is its process alive and does it answer healthy?

Exit status 0 only when every installed component is both; a component whose
package has no `__main__.py` yet is listed as "not installed" and does not
count against the cluster.
"""

from __future__ import annotations

from typing import TextIO

from kubemini.cli.components import COMPONENTS
from kubemini.cli.layout import ClusterHome
from kubemini.cli.pidfiles import is_running, read_pid_file
from kubemini.cli.probing import probe_health
from kubemini.cli.settings import load_settings


def report_status(home: ClusterHome, *, out: TextIO) -> int:
    settings = load_settings(home.settings_path)
    if settings is None:
        print(f"no kubemini cluster has been started in {home.root} (run `kubemini up`)", file=out)
        return 1
    all_healthy = True
    print(f"{'COMPONENT':<20} {'PID':<8} {'PROCESS':<9} HEALTH", file=out)
    for component in COMPONENTS:
        if not component.is_installed():
            print(f"{component.name:<20} {'-':<8} {'-':<9} not installed", file=out)
            continue
        record = read_pid_file(home.pid_path(component.name))
        alive = record is not None and is_running(record)
        url = component.health_url(settings)
        probe = probe_health(url)
        pid_text = str(record.pid) if record is not None else "-"
        health = "ok" if probe.healthy else f"failing: {probe.detail}"
        print(
            f"{component.name:<20} {pid_text:<8} {'running' if alive else 'stopped':<9} {health} ({url})",
            file=out,
        )
        all_healthy = all_healthy and alive and probe.healthy
    print(f"server: {settings.server_url}  kubeconfig: {home.kubeconfig_path}", file=out)
    if any(c.name == "dashboard" and c.is_installed() for c in COMPONENTS):
        print(f"dashboard: {settings.dashboard_url}", file=out)
    return 0 if all_healthy else 1
