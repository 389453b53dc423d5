"""Regenerate the protobuf fixtures from the real kubectl: `python -m tests.unit.apiserver.protobuf_fixtures.capture`.

For each generator command, a throwaway loopback HTTP listener records the protobuf body kubectl
POSTs (answering 415 so kubectl gives up), saved as NAME.bin; then the same command with
`--dry-run=client -o json` prints the JSON kubectl built from the same Go object, saved as
NAME.json. The unit tests assert that decoding NAME.bin gives exactly NAME.json.
"""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from pathlib import Path

from tests.support.kubectl import kubectl_binary, write_kubeconfig

FIXTURES = Path(__file__).parent
IMAGE = "kubemini/busybox:1.35"

COMMANDS = {
    "namespace": ["create", "namespace", "foo"],
    "configmap": ["create", "configmap", "c", "--from-literal=a=b"],
    "configmap_binary": ["create", "configmap", "cb", "--from-file=blob={blob}", "--from-literal=x=y"],
    "secret_generic": ["create", "secret", "generic", "s", "--from-literal=a=b"],
    "secret_typed": ["create", "secret", "generic", "s2", "--type=Opaque", "--from-literal=user=admin"],
    "secret_docker": [
        "create",
        "secret",
        "docker-registry",
        "reg",
        "--docker-server=r.local",
        "--docker-username=u",
        "--docker-password=p",
    ],
    "serviceaccount": ["create", "serviceaccount", "sa1"],
    "serviceaccount_ns": ["create", "serviceaccount", "sa2", "-n", "kube-system"],
    "deployment": ["create", "deployment", "d1", f"--image={IMAGE}"],
    "deployment_replicas_port": ["create", "deployment", "d1", f"--image={IMAGE}", "--replicas=3", "--port=80"],
    "deployment_replicas_zero": ["create", "deployment", "d0", f"--image={IMAGE}", "--replicas=0"],
    "deployment_multi": ["create", "deployment", "d2", f"--image={IMAGE}", f"--image={IMAGE}-v2", "-n", "other"],
    "service_clusterip": ["create", "service", "clusterip", "s1", "--tcp=80:8080"],
    "service_clusterip_port_only": ["create", "service", "clusterip", "s2", "--tcp=80"],
    "service_headless": ["create", "service", "clusterip", "s3", "--clusterip=None"],
    "service_nodeport": ["create", "service", "nodeport", "s1", "--tcp=80:8080"],
    "service_nodeport_fixed": ["create", "service", "nodeport", "s4", "--tcp=80:8080", "--node-port=30080"],
    "service_loadbalancer": ["create", "service", "loadbalancer", "lb1", "--tcp=5678:8080"],
    "service_externalname": ["create", "service", "externalname", "ext1", "--external-name=example.com"],
    "job_unsupported": ["create", "job", "j1", f"--image={IMAGE}"],
}


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: list[bytes] = []

    def log_message(self, *args) -> None:
        pass

    def _answer(self, code: int) -> None:
        body = b'{"kind":"Status","apiVersion":"v1","status":"Failure","code":%d}' % code
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._answer(404)

    def do_POST(self) -> None:
        self.bodies.append(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        self._answer(415)


def capture_all() -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        kubeconfig = write_kubeconfig(Path(tmp) / "kubeconfig", f"http://127.0.0.1:{server.server_port}")
        blob = Path(tmp) / "blob"
        blob.write_bytes(b"\x00\x01\xffbinary")
        for name, args in COMMANDS.items():
            args = [arg.format(blob=blob) for arg in args]
            base = [str(kubectl_binary()), "--kubeconfig", str(kubeconfig), *args]
            _Recorder.bodies.clear()
            subprocess.run(base, capture_output=True, timeout=60)
            (FIXTURES / f"{name}.bin").write_bytes(_Recorder.bodies[-1])
            if not name.endswith("_unsupported"):
                printed = subprocess.run([*base, "--dry-run=client", "-o", "json"], capture_output=True, check=True)
                (FIXTURES / f"{name}.json").write_bytes(printed.stdout)
    server.shutdown()


if __name__ == "__main__":
    capture_all()
