"""Starting one component: pid file, health wait, and what a failed start leaves behind."""

from __future__ import annotations

import io
import socket
import subprocess
import sys

import pytest

from kubemini.cli.components import Component
from kubemini.cli.layout import ClusterHome
from kubemini.cli.pidfiles import is_running, read_pid_file, record_for, write_pid_file
from kubemini.cli.processes import stop_process
from kubemini.cli.settings import ClusterSettings, save_settings
from kubemini.cli.starting import StartupError, resolve_settings, start_component

DEADLINE_SECONDS = 20.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _web_component(code: str | None = None) -> Component:
    """`python -m http.server` on the scheduler's port, or `code` in its place."""

    def build_argv(settings, home):
        if code is not None:
            return [sys.executable, "-c", code]
        port = str(settings.port("scheduler"))
        return [sys.executable, "-m", "http.server", port, "--bind", "127.0.0.1", "--directory", str(home.root)]

    def health_url(settings):
        return f"http://127.0.0.1:{settings.port('scheduler')}/"

    return Component("web", build_argv, health_url, ("scheduler",), package=None)


@pytest.fixture
def home(tmp_path):
    home = ClusterHome(tmp_path / "home")
    home.create()
    yield home
    for pid_path in home.run_dir.glob("*.pid"):
        record = read_pid_file(pid_path)
        if record is not None:
            stop_process(record, timeout_seconds=5)


def test_started_component_is_healthy_and_recorded(home):
    settings = ClusterSettings().with_ports({"scheduler": _free_port()})
    out = io.StringIO()

    start_component(_web_component(), home=home, settings=settings, deadline_seconds=DEADLINE_SECONDS, out=out)

    record = read_pid_file(home.pid_path("web"))
    assert record is not None and is_running(record)
    assert "healthy in" in out.getvalue()

    start_component(_web_component(), home=home, settings=settings, deadline_seconds=DEADLINE_SECONDS, out=out)

    assert "already running" in out.getvalue()
    assert read_pid_file(home.pid_path("web")) == record


def test_component_that_exits_fails_fast_with_its_log_and_leaves_no_pid_file(home):
    settings = ClusterSettings().with_ports({"scheduler": _free_port()})
    crashing = _web_component("import sys; print('bad flag --frobnicate'); sys.exit(2)")

    with pytest.raises(StartupError) as failure:
        start_component(crashing, home=home, settings=settings, deadline_seconds=DEADLINE_SECONDS, out=io.StringIO())

    assert "exited with status 2" in str(failure.value)
    assert "bad flag --frobnicate" in str(failure.value)
    assert not home.pid_path("web").exists()


def test_component_that_never_gets_healthy_is_stopped_at_the_deadline(home):
    settings = ClusterSettings().with_ports({"scheduler": _free_port()})
    hanging = _web_component("import time; time.sleep(60)")

    with pytest.raises(StartupError, match="not healthy after"):
        start_component(hanging, home=home, settings=settings, deadline_seconds=0.5, out=io.StringIO())

    assert not home.pid_path("web").exists()


def test_a_port_taken_by_someone_else_is_refused_before_starting(home):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        settings = ClusterSettings().with_ports({"scheduler": listener.getsockname()[1]})

        with pytest.raises(StartupError, match="already in use"):
            start_component(
                _web_component(), home=home, settings=settings, deadline_seconds=DEADLINE_SECONDS, out=io.StringIO()
            )

    assert not (home.logs_dir / "web.log").exists()


def test_ports_cannot_change_under_running_components(home):
    save_settings(home.settings_path, ClusterSettings())
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    try:
        write_pid_file(home.pid_path("etcd"), record_for(running.pid))

        with pytest.raises(StartupError, match="kubemini down"):
            resolve_settings(home, {"apiserver": 18080})
        assert resolve_settings(home, {}) == ClusterSettings()
    finally:
        running.kill()
        running.wait()


def test_saved_ports_are_reused_when_nothing_runs(home):
    save_settings(home.settings_path, ClusterSettings().with_ports({"apiserver": 18080}))

    assert resolve_settings(home, {}).port("apiserver") == 18080
    assert resolve_settings(home, {"apiserver": 18081}).port("apiserver") == 18081
