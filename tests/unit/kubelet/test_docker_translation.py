"""Docker answers → records, and which registries the kubelet may pull from (loopback only)."""

from __future__ import annotations

import pytest

from kubelet.runtime import CREATED, EXITED, RUNNING
from kubelet.runtime.docker_translation import is_loopback_registry, record_from_inspect, registry_host


@pytest.mark.parametrize(
    ("image", "host", "allowed"),
    [
        ("busybox", None, False),
        ("kubemini/busybox:1.35", None, False),
        ("localhost:5000/app:1", "localhost", True),
        ("127.0.0.1:5000/app", "127.0.0.1", True),
        ("registry.example.com/app:2", "registry.example.com", False),
        ("10.0.0.1:5000/app", "10.0.0.1", False),
    ],
)
def test_only_loopback_registries_are_pulled_from(image, host, allowed):
    assert registry_host(image) == host
    assert is_loopback_registry(registry_host(image)) is allowed


def inspect(status: str, **state) -> dict:
    return {
        "Id": "abc",
        "Name": "/k8s_app_web",
        "Created": "2026-01-01T00:00:00.1Z",
        "Image": "sha256:feed",
        "Config": {"Image": "kubemini/busybox:1.35", "Labels": {"io.kubemini.container": "app"}},
        "State": {"Status": status, "StartedAt": "2026-01-01T00:00:01Z", "FinishedAt": "2026-01-01T00:00:02Z", **state},
        "NetworkSettings": {"Networks": {"kubemini": {"IPAddress": "172.19.0.4"}}},
    }


def test_records_from_inspect():
    running = record_from_inspect(inspect("running", ExitCode=0))
    assert running.state == RUNNING and running.exit_code is None and running.finished_at is None
    assert running.ip == "172.19.0.4" and running.container_name == "app" and running.name == "k8s_app_web"
    oom = record_from_inspect(inspect("exited", ExitCode=137, OOMKilled=True))
    assert oom.state == EXITED and oom.exit_code == 137 and oom.oom_killed
    failed = record_from_inspect(inspect("created", ExitCode=127, Error="exec: no such file"))
    assert failed.state == CREATED and failed.error == "exec: no such file"
