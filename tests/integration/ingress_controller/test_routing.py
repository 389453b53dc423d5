"""Ingresses made with the real kubectl, requests through 127.0.0.1 to loopback backends.

Host exact / wildcard / none × Exact / Prefix / ImplementationSpecific, defaultBackend,
404, 503 without ready endpoints, class filtering, status.loadBalancer, keep-alive
across reloads, X-Forwarded-* headers, access log.
"""

from __future__ import annotations

import subprocess
import textwrap

import httpx

from tests.integration.ingress_controller.support import REPO_ROOT, create_service, put_endpoint_slice, wait_until


def get(controller, host: str, path: str, **kwargs) -> httpx.Response:
    return httpx.get(f"{controller.http_url}{path}", headers={"Host": host}, timeout=5, **kwargs)


def backend_of(response: httpx.Response) -> str:
    assert response.status_code == 200, f"{response.status_code}: {response.text[:200]}"
    return response.json()["backend"]


def serve(api, namespace, start_backends, *names: str, first_ip: int = 2):
    """One selector-less Service per name (port 80 → target 8080 by slice) with one backend each."""
    for offset, name in enumerate(names):
        (backend,) = start_backends((f"127.0.0.{first_ip + offset}", name))
        create_service(api, namespace, name, ports=[{"name": "http", "port": 80, "targetPort": 8080}])
        put_endpoint_slice(api, namespace, name, backends=[backend], port_name="http")


def wait_for_backend(controller, host, path, expected, **kwargs):
    def answered():
        response = get(controller, host, path, **kwargs)
        return response.status_code == 200 and response.json()["backend"] == expected

    wait_until(answered, what=f"{host}{path} served by {expected}")


def test_routing_matrix(ingress_controller, kubectl, api, namespace, start_backends):
    serve(api, namespace, start_backends, "exact", "prefix", "wild", "impl", "catch", "fallback")
    kubectl.run(
        "create", "ingress", "matrix", "-n", namespace,
        "--rule=foo.test/app=exact:80",
        "--rule=foo.test/app*=prefix:http",
        "--rule=*.wild.test/*=wild:80",
    )  # fmt: skip
    kubectl.run(
        "apply", "-n", namespace, "-f", "-",
        input_text=textwrap.dedent("""
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata: {name: impl}
            spec:
              rules:
              - host: foo.test
                http:
                  paths:
                  - path: /impl
                    pathType: ImplementationSpecific
                    backend: {service: {name: impl, port: {number: 80}}}
              - http:
                  paths:
                  - {path: /, pathType: Prefix, backend: {service: {name: catch, port: {number: 80}}}}
        """),
    )  # fmt: skip
    wait_for_backend(ingress_controller, "foo.test", "/impl/x", "impl")
    cases = {
        ("foo.test", "/app"): "exact",
        ("foo.test", "/app/"): "prefix",
        ("foo.test", "/app/x/y?z=1"): "prefix",
        ("FOO.test:80", "/app"): "exact",
        ("foo.test", "/impl"): "impl",
        ("a.wild.test", "/"): "wild",
        ("a.b.wild.test", "/"): "catch",
        ("elsewhere.test", "/whatever"): "catch",
    }
    for (host, path), expected in cases.items():
        assert backend_of(get(ingress_controller, host, path)) == expected, (host, path)
    not_found = get(ingress_controller, "foo.test", "/application")
    assert not_found.status_code == 404 and "default backend - 404" in not_found.text

    kubectl.run("create", "ingress", "with-default", "-n", namespace, "--default-backend=fallback:80",
                "--rule=bar.test/only=exact:80")  # fmt: skip
    wait_for_backend(ingress_controller, "bar.test", "/other", "fallback")
    assert backend_of(get(ingress_controller, "bar.test", "/only")) == "exact"


def test_status_and_default_class(ingress_controller, kubectl, api, namespace, start_backends):
    serve(api, namespace, start_backends, "web", first_ip=20)
    klass = kubectl.run("get", "ingressclass", "kubemini", "-o", "json").stdout
    assert '"ingressclass.kubernetes.io/is-default-class": "true"' in klass
    assert '"controller": "kubemini.io/ingress-controller"' in klass
    kubectl.run("create", "ingress", "web", "-n", namespace, "--rule=status.test/*=web:80")
    kubectl.run("create", "ingress", "foreign", "-n", namespace, "--class=other", "--rule=foreign.test/*=web:80")

    def address():
        return kubectl.run(
            "get", "ingress", "web", "-n", namespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"
        ).stdout  # fmt: skip

    assert wait_until(address, what="status.loadBalancer.ingress") == "127.0.0.1"
    ports = kubectl.run(
        "get", "ingress", "web", "-n", namespace, "-o", "jsonpath={.status.loadBalancer.ingress[0].ports[*].port}"
    ).stdout  # fmt: skip
    assert ports.split() == [str(ingress_controller.http_port), str(ingress_controller.https_port)]
    assert "127.0.0.1" in kubectl.run("get", "ingress", "web", "-n", namespace).stdout
    wait_for_backend(ingress_controller, "status.test", "/", "web")
    # Another class's Ingress is neither served nor given our address.
    assert get(ingress_controller, "foreign.test", "/").status_code == 404
    foreign = kubectl.run("get", "ingress", "foreign", "-n", namespace, "-o", "jsonpath={.status}").stdout
    assert "127.0.0.1" not in foreign


def test_503_until_an_endpoint_is_ready(ingress_controller, kubectl, api, namespace, start_backends):
    (backend,) = start_backends(("127.0.0.30", "late"))
    create_service(api, namespace, "late", ports=[{"port": 80, "targetPort": 8080}])
    put_endpoint_slice(api, namespace, "late", backends=[backend], ready=False)
    kubectl.run("create", "ingress", "late", "-n", namespace, "--rule=late.test/*=late:80")
    wait_until(lambda: get(ingress_controller, "late.test", "/").status_code == 503, what="503 without ready endpoint")
    put_endpoint_slice(api, namespace, "late", backends=[backend], ready=True)
    wait_for_backend(ingress_controller, "late.test", "/", "late")


def test_round_robin_forwarded_headers_body_and_curl(ingress_controller, kubectl, api, namespace, start_backends):
    backends = start_backends(("127.0.0.40", "rr-1"), ("127.0.0.41", "rr-2"), ("127.0.0.42", "rr-3"))
    create_service(api, namespace, "rr", ports=[{"port": 80, "targetPort": 8080}])
    put_endpoint_slice(api, namespace, "rr", backends=backends)
    kubectl.run("create", "ingress", "rr", "-n", namespace, "--rule=rr.test/*=rr:80")
    wait_for_backend(ingress_controller, "rr.test", "/", "rr-1")
    with httpx.Client(base_url=ingress_controller.http_url, headers={"Host": "rr.test"}, timeout=5) as client:
        seen = [backend_of(client.get("/")) for _ in range(9)]
        assert sorted(set(seen)) == ["rr-1", "rr-2", "rr-3"] and all(seen.count(n) == 3 for n in set(seen))
        echoed = client.post("/upload", content=b"x" * 200_000).json()
        assert len(echoed["body"]) == 200_000
        headers = echoed["headers"]
        assert headers["x-forwarded-for"] == "127.0.0.1" and headers["x-forwarded-proto"] == "http"
        assert headers["x-forwarded-host"] == "rr.test" and headers["host"] == "rr.test"
    curl = subprocess.run(
        ["curl", "-sS", "--resolve", f"rr.test:{ingress_controller.http_port}:127.0.0.1",
         f"http://rr.test:{ingress_controller.http_port}/via-curl"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert '"path": "/via-curl"' in curl.stdout
    # The access log line (written in batches, a tenth of a second apart).
    wait_until(lambda: 'GET /via-curl HTTP/1.1" 200' in ingress_controller.log_tail(20000), what="access log line")


def test_reload_keeps_open_connections(ingress_controller, kubectl, api, namespace, start_backends):
    serve(api, namespace, start_backends, "before", "after", first_ip=50)
    kubectl.run("create", "ingress", "swap", "-n", namespace, "--rule=swap.test/*=before:80")
    wait_for_backend(ingress_controller, "swap.test", "/", "before")
    with httpx.Client(base_url=ingress_controller.http_url, headers={"Host": "swap.test"}, timeout=5) as client:
        assert backend_of(client.get("/")) == "before"
        kubectl.run(
            "patch", "ingress", "swap", "-n", namespace, "--type=json",
            "-p", '[{"op": "replace", "path": "/spec/rules/0/http/paths/0/backend/service/name", "value": "after"}]',
        )  # fmt: skip
        # Same keep-alive connection throughout: every answer is a 200, first "before", then "after".
        answers = []
        wait_until(lambda: answers.append(backend_of(client.get("/"))) or answers[-1] == "after", what="switch")
        assert set(answers) <= {"before", "after"}
    assert "ingress_controller_table_reloads" in ingress_controller.metrics()


def test_example_manifests_are_accepted(ingress_controller, kubectl, namespace):
    for manifest in ("examples/ingress-demo.yaml", "examples/canary/ingress-canary.yaml"):
        result = kubectl.run("apply", "-n", namespace, "--dry-run=server", "-f", str(REPO_ROOT / manifest))
        assert "ingress.networking.k8s.io/" in result.stdout, result.stdout
