"""`status` and `down` on data directories with nothing, or something stale, in them."""

from __future__ import annotations

import io
import subprocess
import sys

from kubemini.cli.layout import ClusterHome
from kubemini.cli.pidfiles import ProcessRecord, record_for, write_pid_file
from kubemini.cli.reporting import report_status
from kubemini.cli.settings import ClusterSettings, save_settings
from kubemini.cli.stopping import bring_down, refuse_to_purge, stop_order


def test_status_without_a_cluster_says_how_to_start_one(tmp_path):
    out = io.StringIO()

    assert report_status(ClusterHome(tmp_path / "none"), out=out) == 1
    assert "kubemini up" in out.getvalue()


def test_status_of_a_stopped_cluster_is_unhealthy(tmp_path):
    home = ClusterHome(tmp_path)
    save_settings(home.settings_path, ClusterSettings().with_ports({"etcd": 1, "apiserver": 2}))
    out = io.StringIO()

    assert report_status(home, out=out) == 1
    assert "etcd" in out.getvalue() and "stopped" in out.getvalue()


def test_down_without_a_data_dir_has_nothing_to_do(tmp_path):
    out = io.StringIO()

    assert (
        bring_down(ClusterHome(tmp_path / "none"), purge=False, timeout_seconds=1, out=out, clean_pod_network=_no_op)
        == 0
    )
    assert "nothing to stop" in out.getvalue()


def test_down_stops_apiserver_before_etcd_and_clears_stale_pid_files(tmp_path):
    home = ClusterHome(tmp_path)
    home.create()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    write_pid_file(home.pid_path("apiserver"), record_for(child.pid))
    write_pid_file(home.pid_path("etcd"), ProcessRecord(pid=child.pid, start_ticks=1))  # stale: pid reused
    write_pid_file(home.pid_path("zz-unknown"), ProcessRecord(pid=2**22 + 1, start_ticks=None))
    out = io.StringIO()

    assert stop_order(home) == ["apiserver", "etcd", "zz-unknown"]
    assert bring_down(home, purge=False, timeout_seconds=5, out=out, clean_pod_network=_no_op) == 0

    assert child.wait(timeout=5) != 0
    assert list(home.run_dir.glob("*.pid")) == []
    assert "apiserver" in out.getvalue() and "was not running" in out.getvalue()


def test_purge_removes_the_data_dir(tmp_path):
    home = ClusterHome(tmp_path / "home")
    home.create()
    (home.logs_dir / "etcd.log").write_text("old\n")

    cleaned: list[bool] = []
    assert (
        bring_down(
            home,
            purge=True,
            timeout_seconds=1,
            out=io.StringIO(),
            clean_proxy=lambda out: cleaned.append(True),
            clean_pod_network=_no_op,
        )
        == 0
    )
    assert not home.root.exists()
    assert cleaned == [True], "kube-proxy's leftovers (kernel rules, route) are cleaned up too"


def test_purge_refuses_the_filesystem_root_and_the_user_home(tmp_path):
    from pathlib import Path

    assert refuse_to_purge(Path("/")) is not None
    assert refuse_to_purge(Path.home().resolve()) is not None
    assert refuse_to_purge(tmp_path / "kubemini") is None


def _no_op(out) -> None:
    """Stands in for the kernel cleanup `down` runs (routes, VXLAN device): unit tests leave the host alone."""
