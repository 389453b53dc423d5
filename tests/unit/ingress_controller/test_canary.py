"""Canary choice with ingress-nginx's annotations, deterministic through an injected random draw."""

from __future__ import annotations

import pytest

from ingress_controller.canary import CanaryPolicy, canary_policy, use_canary
from ingress_controller.routing_table import build_routing_table, choose_route
from tests.unit.ingress_controller.objects import Cluster, endpoint_slice, ingress, rule, service

P = "nginx.ingress.kubernetes.io/"


def decide(policy, *, headers=None, cookie=None, draw=0):
    headers = headers or {}
    return use_canary(policy, header=headers.get, cookie_header=cookie, randint=lambda low, high: draw)


def test_not_a_canary_without_the_annotation():
    assert canary_policy({P + "canary-weight": "50"}) is None
    assert canary_policy({P + "canary": "false"}) is None


def test_weight_and_total_are_parsed_and_clamped():
    assert canary_policy({P + "canary": "true", P + "canary-weight": "10"}) == CanaryPolicy(weight=10)
    assert canary_policy({P + "canary": "true", P + "canary-weight": "150"}).weight == 100
    policy = canary_policy({P + "canary": "true", P + "canary-weight": "3", P + "canary-weight-total": "1000"})
    assert (policy.weight, policy.weight_total) == (3, 1000)
    assert canary_policy({P + "canary": "true", P + "canary-weight": "x"}).weight == 0


@pytest.mark.parametrize(("draw", "expected"), [(0, True), (9, True), (10, False), (99, False)])
def test_weight_ten_percent(draw, expected):
    assert decide(CanaryPolicy(weight=10), draw=draw) is expected


def test_weight_draw_covers_the_total():
    seen = []
    use_canary(CanaryPolicy(weight=1, weight_total=1000), header=lambda _n: None, cookie_header=None,
               randint=lambda low, high: seen.append((low, high)) or 999)  # fmt: skip
    assert seen == [(0, 999)]


def test_zero_weight_never_draws():
    assert decide(CanaryPolicy(weight=0), draw=0) is False


@pytest.mark.parametrize(
    ("headers", "expected"),
    [({"x-canary": "always"}, True), ({"x-canary": "never"}, False), ({"x-canary": "other"}, True), ({}, True)],
)
def test_header_always_never_then_weight(headers, expected):
    # weight 100 shows where the header falls through to the weight
    policy = CanaryPolicy(weight=100, header="x-canary")
    assert decide(policy, headers=headers, draw=0) is expected


def test_header_value():
    policy = CanaryPolicy(header="x-region", header_value="eu")
    assert decide(policy, headers={"x-region": "eu"}) is True
    assert decide(policy, headers={"x-region": "always"}) is False
    assert decide(policy, headers={"x-region": "us"}) is False


def test_cookie_always_never():
    policy = CanaryPolicy(weight=100, cookie="canary")
    assert decide(policy, cookie="a=1; canary=always") is True
    assert decide(policy, cookie="canary=never") is False
    assert decide(CanaryPolicy(cookie="canary"), cookie="canary=always") is True


def test_header_before_cookie():
    policy = CanaryPolicy(header="x-canary", cookie="canary")
    assert decide(policy, headers={"x-canary": "never"}, cookie="canary=always") is False


def test_canary_ingress_attaches_to_the_primary_route():
    c = Cluster(
        [service("stable", ("", 80, 8080)), service("canary", ("", 80, 8080))],
        [endpoint_slice("stable", "", 8080, "127.0.0.2"), endpoint_slice("canary", "", 8080, "127.0.0.3")],
    )
    primary = ingress("web", rules=[rule("app.local", ("Prefix", "/", "stable", 80))])
    canary = ingress(
        "web-canary",
        rules=[rule("app.local", ("Prefix", "/", "canary", 80)), rule("nope.local", ("Prefix", "/", "canary", 80))],
        annotations={P + "canary": "true", P + "canary-weight": "10"},
    )
    built = build_routing_table([canary, primary], **c.lookups())
    route = choose_route(built, "app.local", "/")
    assert route.ingress == "default/web" and route.upstream.service == "default/stable"
    assert route.canary.upstream.service == "default/canary" and route.canary.policy.weight == 10
    assert choose_route(built, "nope.local", "/") is None  # a canary alone routes nothing
    assert any("has no primary" in problem for problem in built.problems)
