"""HTTPS with two kubernetes.io/tls Secrets chosen by SNI, and ingress-nginx canary annotations.

Canary weight 10 is measured over 400 requests and must land within 10 % ± 5 %.
"""

from __future__ import annotations

import socket
import ssl
import subprocess

import httpx
from cryptography import x509
from cryptography.x509.oid import NameOID

from ingress_controller.tls_certificates import FALLBACK_COMMON_NAME, self_signed_pem
from tests.integration.ingress_controller.support import wait_until
from tests.integration.ingress_controller.test_routing import backend_of, serve, wait_for_backend

CANARY = "nginx.ingress.kubernetes.io/canary"
REQUESTS = 400


def https_get(port: int, server_name: str, path: str = "/") -> tuple[str, bytes]:
    """(certificate common name, response) for one HTTPS request to 127.0.0.1 with this SNI."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname=server_name) as tls:
            der = tls.getpeercert(binary_form=True)
            tls.sendall(f"GET {path} HTTP/1.1\r\nHost: {server_name}\r\nConnection: close\r\n\r\n".encode())
            chunks = []
            while chunk := tls.recv(65536):
                chunks.append(chunk)
    subject = x509.load_der_x509_certificate(der).subject
    return subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, b"".join(chunks)


def test_https_certificate_by_sni(ingress_controller, kubectl, api, namespace, start_backends, tmp_path):
    serve(api, namespace, start_backends, "secure-a", "secure-b", first_ip=60)
    for name in ("a.secure.test", "b.secure.test"):
        cert, key = self_signed_pem(name, hosts=(name,))
        (tmp_path / f"{name}.crt").write_bytes(cert)
        (tmp_path / f"{name}.key").write_bytes(key)
        kubectl.run("create", "secret", "tls", name.split(".")[0] + "-tls", "-n", namespace,
                    f"--cert={tmp_path / f'{name}.crt'}", f"--key={tmp_path / f'{name}.key'}")  # fmt: skip
    kubectl.run(
        "create", "ingress", "secure", "-n", namespace,
        "--rule=a.secure.test/*=secure-a:80,tls=a-tls",
        "--rule=b.secure.test/*=secure-b:80,tls=b-tls",
    )  # fmt: skip
    port = ingress_controller.https_port
    wait_until(lambda: https_get(port, "b.secure.test")[0] == "b.secure.test", what="b's certificate served")
    common_name, response = https_get(port, "a.secure.test")
    assert common_name == "a.secure.test" and b'"backend": "secure-a"' in response
    common_name, response = https_get(port, "b.secure.test", "/x")
    assert common_name == "b.secure.test" and b'"backend": "secure-b"' in response
    assert b'"x-forwarded-proto": "https"' in response
    common_name, response = https_get(port, "unknown.secure.test")
    assert common_name == FALLBACK_COMMON_NAME and response.startswith(b"HTTP/1.1 404")
    curl = subprocess.run(
        ["curl", "-sS", "--cacert", str(tmp_path / "a.secure.test.crt"),
         "--resolve", f"a.secure.test:{port}:127.0.0.1", f"https://a.secure.test:{port}/curl"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    # curl verifies the chain and the name against a's certificate alone: only a's Secret passes.
    assert curl.returncode == 0 and '"backend": "secure-a"' in curl.stdout, curl.stderr


def test_canary_weight_header_and_cookie(ingress_controller, kubectl, api, namespace, start_backends):
    serve(api, namespace, start_backends, "stable", "canary", first_ip=70)
    kubectl.run("create", "ingress", "shop", "-n", namespace, "--rule=shop.test/*=stable:80")
    kubectl.run(
        "create", "ingress", "shop-canary", "-n", namespace, "--rule=shop.test/*=canary:80",
        f"--annotation={CANARY}=true", f"--annotation={CANARY}-weight=10",
        f"--annotation={CANARY}-by-header=X-Canary", f"--annotation={CANARY}-by-cookie=canary",
    )  # fmt: skip
    with httpx.Client(base_url=ingress_controller.http_url, headers={"Host": "shop.test"}, timeout=5) as client:
        wait_until(lambda: backend_of(client.get("/", headers={"X-Canary": "always"})) == "canary", what="canary")
        answers = [backend_of(client.get("/")) for _ in range(REQUESTS)]
        share = answers.count("canary") / REQUESTS
        assert 0.05 <= share <= 0.15, f"canary share {share:.3f} over {REQUESTS} requests, wanted 10 % ± 5 %"
        assert {backend_of(client.get("/", headers={"X-Canary": "never"})) for _ in range(50)} == {"stable"}
        assert {backend_of(client.get("/", headers={"X-Canary": "always"})) for _ in range(20)} == {"canary"}
        assert {backend_of(client.get("/", headers={"Cookie": "canary=always"})) for _ in range(20)} == {"canary"}
    print(f"canary share over {REQUESTS} requests: {share:.3f}")


def test_canary_weight_zero_sends_nothing(ingress_controller, kubectl, api, namespace, start_backends):
    serve(api, namespace, start_backends, "main", "unused", first_ip=80)
    kubectl.run("create", "ingress", "zero", "-n", namespace, "--rule=zero.test/*=main:80")
    kubectl.run("create", "ingress", "zero-canary", "-n", namespace, "--rule=zero.test/*=unused:80",
                f"--annotation={CANARY}=true", f"--annotation={CANARY}-weight=0",
                f"--annotation={CANARY}-by-header=X-Canary")  # fmt: skip
    wait_for_backend(ingress_controller, "zero.test", "/", "main")
    with httpx.Client(base_url=ingress_controller.http_url, headers={"Host": "zero.test"}, timeout=5) as client:
        # The canary is loaded once the header reaches it; without the header, weight 0 sends nothing there.
        wait_until(lambda: backend_of(client.get("/", headers={"X-Canary": "always"})) == "unused", what="canary")
        assert {backend_of(client.get("/")) for _ in range(50)} == {"main"}
