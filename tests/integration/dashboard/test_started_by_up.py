"""`kubemini up` starts the dashboard from its COMPONENTS entry: the flags of the convention, healthy on /healthz."""

from __future__ import annotations

import io

import httpx

from kubemini.cli.components import COMPONENTS
from kubemini.cli.layout import ClusterHome
from kubemini.cli.pidfiles import read_pid_file
from kubemini.cli.processes import stop_process
from kubemini.cli.settings import ClusterSettings
from kubemini.cli.starting import start_component
from kubemini.pki.cluster_pki import DASHBOARD
from tests.support.ports import free_port

DEADLINE_SECONDS = 30.0


def test_up_starts_the_dashboard_and_it_serves_its_page(apiserver, tmp_path):
    home = ClusterHome(tmp_path / "home")
    home.create()
    home.component_kubeconfig("dashboard").parent.mkdir(parents=True, exist_ok=True)
    apiserver.kubeconfig_for(DASHBOARD, home.component_kubeconfig("dashboard"))
    settings = ClusterSettings().with_ports({"dashboard": free_port()})
    dashboard = {component.name: component for component in COMPONENTS}["dashboard"]
    out = io.StringIO()
    try:
        start_component(dashboard, home=home, settings=settings, deadline_seconds=DEADLINE_SECONDS, out=out)
        assert "healthy in" in out.getvalue()
        page = httpx.get(settings.dashboard_url, timeout=5)
        assert page.status_code == 200 and "kubemini dashboard" in page.text
    finally:
        record = read_pid_file(home.pid_path("dashboard"))
        if record is not None:
            stop_process(record, timeout_seconds=10)
