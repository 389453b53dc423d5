"""The routing matrix: host exact / wildcard / none × Exact / Prefix / ImplementationSpecific."""

from __future__ import annotations

import pytest

from ingress_controller.path_matching import normalize_host, path_matches, request_path_of, wildcard_matches
from ingress_controller.routing_table import build_routing_table, choose_route, ready_endpoints
from tests.unit.ingress_controller.objects import Cluster, backend, endpoint_slice, ingress, rule, service

NAMES = ("exact-foo", "prefix-foo", "prefix-foo-bar", "impl-api", "wild", "any-root", "any-exact", "dflt", "foo-dflt")


def cluster() -> Cluster:
    services = [service(name, ("http", 80, 8080)) for name in NAMES]
    slices = [endpoint_slice(name, "http", 8080, f"127.0.0.{i + 2}") for i, name in enumerate(NAMES)]
    return Cluster(services, slices)


def table():
    ingresses = [
        ingress(
            "main",
            rules=[
                rule(
                    "foo.com",
                    ("Exact", "/foo", "exact-foo", 80),
                    ("Prefix", "/foo", "prefix-foo", 80),
                    ("Prefix", "/foo/bar", "prefix-foo-bar", "http"),
                    ("ImplementationSpecific", "/api", "impl-api", 80),
                ),
                rule("*.wild.com", ("Prefix", "/", "wild", 80)),
            ],
            default=backend("foo-dflt", 80),
        ),
        ingress(
            "catch-all",
            rules=[rule(None, ("Prefix", "/", "any-root", 80), ("Exact", "/exact", "any-exact", 80))],
            created="2026-01-02T00:00:00Z",
        ),
    ]
    return build_routing_table(ingresses, **cluster().lookups())


@pytest.mark.parametrize(
    ("host", "path", "expected"),
    [
        ("foo.com", "/foo", "exact-foo"),  # Exact beats Prefix at equal length
        ("foo.com", "/foo/", "prefix-foo"),  # Exact does not ignore the trailing slash
        ("foo.com", "/foo/baz", "prefix-foo"),
        ("foo.com", "/foo/bar", "prefix-foo-bar"),  # longest match
        ("foo.com", "/foo/bar/", "prefix-foo-bar"),
        ("foo.com", "/foo/bar/x?q=1", "prefix-foo-bar"),
        ("foo.com", "/foo/barista", "prefix-foo"),  # element-wise, not string prefix
        ("foo.com", "/foobar", "foo-dflt"),  # no rule: the Ingress's defaultBackend for its host
        ("foo.com", "/api/v1", "impl-api"),  # ImplementationSpecific = Prefix
        ("foo.com", "/apis", "foo-dflt"),
        ("FOO.com:8080", "/foo", "exact-foo"),  # case and port ignored
        ("a.wild.com", "/anything", "wild"),
        ("a.b.wild.com", "/anything", "any-root"),  # a wildcard covers one label only
        ("wild.com", "/", "any-root"),
        ("other.org", "/exact", "any-exact"),
        ("other.org", "/exact/", "any-root"),
        ("", "/x", "any-root"),
    ],
)
def test_routing_matrix(host, path, expected):
    route = choose_route(table(), normalize_host(host), path)
    assert route is not None and route.upstream.service == f"default/{expected}"


def test_no_match_without_default_backend_is_404():
    only = ingress("only", rules=[rule("foo.com", ("Exact", "/a", "exact-foo", 80))])
    built = build_routing_table([only], **cluster().lookups())
    assert choose_route(built, "foo.com", "/b") is None
    assert choose_route(built, "bar.com", "/a") is None


def test_default_backend_catches_other_hosts():
    with_default = ingress("d", default=backend("dflt", 80))
    built = build_routing_table([with_default], **cluster().lookups())
    assert choose_route(built, "whatever.io", "/x").upstream.service == "default/dflt"


def test_oldest_ingress_wins_a_duplicate_path():
    newer = ingress("newer", rules=[rule("foo.com", ("Prefix", "/", "wild", 80))], created="2026-03-01T00:00:00Z")
    older = ingress("older", rules=[rule("foo.com", ("Prefix", "/", "any-root", 80))], created="2026-02-01T00:00:00Z")
    built = build_routing_table([newer, older], **cluster().lookups())
    assert choose_route(built, "foo.com", "/").upstream.service == "default/any-root"
    assert any("already routed by default/older" in problem for problem in built.problems)


def test_backend_resolves_port_by_number_and_name_to_the_target_port():
    svc = service("web", ("http", 80, 8080), ("admin", 81, "admin-port"))
    slices = [
        {
            **endpoint_slice("web", "http", 8080, "127.0.0.2", "127.0.0.3"),
            "ports": [{"name": "http", "port": 8080}, {"name": "admin", "port": 9090}],
        }
    ]
    c = Cluster([svc], slices)
    built = build_routing_table(
        [ingress("i", rules=[rule("a", ("Prefix", "/", "web", 80)), rule("b", ("Prefix", "/", "web", "admin"))])],
        **c.lookups(),
    )
    assert choose_route(built, "a", "/").upstream.endpoints == (("127.0.0.2", 8080), ("127.0.0.3", 8080))
    assert choose_route(built, "b", "/").upstream.endpoints == (("127.0.0.2", 9090), ("127.0.0.3", 9090))


def test_unknown_service_or_port_gives_a_route_without_endpoints():
    built = build_routing_table(
        [ingress("i", rules=[rule("a", ("Prefix", "/", "missing", 80)), rule("b", ("Prefix", "/", "exact-foo", 99))])],
        **cluster().lookups(),
    )
    assert choose_route(built, "a", "/").upstream.endpoints == ()
    assert choose_route(built, "b", "/").upstream.endpoints == ()


def test_only_ready_endpoints_on_local_addresses():
    port = {"name": "", "port": 80, "targetPort": 8080}
    ready = endpoint_slice("s", "", 8080, "127.0.0.2", "172.18.0.5", "8.8.8.8")
    not_ready = endpoint_slice("s", "", 8080, "127.0.0.9", ready=False)
    unknown = endpoint_slice("s", "", 8080, "127.0.0.4")
    del unknown["endpoints"][0]["conditions"]
    found = ready_endpoints(port, [ready, not_ready, unknown])
    assert found == [("127.0.0.2", 8080), ("127.0.0.4", 8080), ("172.18.0.5", 8080)]


@pytest.mark.parametrize(
    ("pattern", "host", "matches"),
    [("*.foo.com", "bar.foo.com", True), ("*.foo.com", "foo.com", False), ("*.foo.com", "a.bar.foo.com", False)],
)
def test_wildcard_matches_one_label(pattern, host, matches):
    assert wildcard_matches(pattern, host) is matches


@pytest.mark.parametrize(
    ("path_type", "rule_path", "request_path", "matches"),
    [
        ("Prefix", "/", "/anything", True),
        ("Prefix", "/aaa/bb", "/aaa/bbb", False),
        ("Prefix", "/aaa/bbb/", "/aaa/bbb", True),
        ("Prefix", "/aaa/bbb", "/aaa/bbb/ccc", True),
        ("Exact", "/foo", "/foo/", False),
    ],
)
def test_kubernetes_path_examples(path_type, rule_path, request_path, matches):
    assert path_matches(path_type, rule_path, request_path) is matches


def test_request_path_of_absolute_form_and_query():
    assert request_path_of("http://h/x/y?z") == "/x/y"
    assert request_path_of("/a?b#c") == "/a"
