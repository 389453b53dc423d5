"""kube-proxy's preflight: a clear refusal when it cannot make the Service range local."""

from __future__ import annotations

import pytest

from kube_proxy import service_routing
from kube_proxy.service_routing import RouteError, check_can_manage_routes


def test_refuses_without_root_or_net_admin(monkeypatch):
    monkeypatch.setattr(service_routing, "has_net_admin", lambda: False)

    with pytest.raises(RouteError, match=r"needs root \(CAP_NET_ADMIN\).*run kube-proxy as root"):
        check_can_manage_routes("10.96.0.0/16")


def test_capability_is_read_from_proc(monkeypatch, tmp_path):
    status = tmp_path / "status"
    monkeypatch.setattr(service_routing, "Path", lambda _path: status)
    status.write_text("Name:\tkube-proxy\nCapEff:\t0000000000001000\n")
    assert service_routing.has_net_admin()
    status.write_text("Name:\tkube-proxy\nCapEff:\t0000000000000000\n")
    assert not service_routing.has_net_admin()


def test_refuses_without_the_ip_command(monkeypatch):
    monkeypatch.setattr(service_routing, "ip_binary", lambda: None)

    with pytest.raises(RouteError, match=r"iproute2.*apt-get install -y iproute2"):
        check_can_manage_routes("10.96.0.0/16")


def test_rejects_a_malformed_range_before_any_change():
    with pytest.raises(ValueError):
        check_can_manage_routes("10.96.0.0/40")
