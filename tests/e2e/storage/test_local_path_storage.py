"""Storage end to end, in real Docker containers, driven by the real kubectl.

own etcd + apiserver (the default StorageClass `standard`: local-path, WaitForFirstConsumer, Delete),
controller-manager (PV binder, protection), scheduler, one Docker kubelet
a pod writes to a claim of the default class ──► the scheduler picks the node, the volume is made
    there (a directory under the kubelet's root) ──► a second pod on the same claim reads it back
the claim deleted while a pod uses it ──► it stays Terminating ──► pod gone ──► claim, PV and
    directory gone (Delete)
a Retain class: claim deleted ──► PV Released, the directory and its data kept
a hand-made hostPath PV bound by volumeName ──► mounted read-only through a subPath
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.kubelet.conftest import KubeletProcess, remove_node_containers, unmount_below
from tests.e2e.kubelet.pods import wait_until
from tests.support.api_http import api_http
from tests.support.kubectl import Kubectl, write_kubeconfig
from tests.support.ports import free_port
from tests.support.processes import REPO_ROOT

IMAGE = "kubemini/busybox:1.35"
CONTROLLERS = ",".join(
    ("serviceaccount", "root-ca-cert-publisher", "persistentvolume-binder", "persistentvolume-expander")
    + ("pvc-protection", "pv-protection")
)
START_SECONDS = 30.0


def start(name: str, log: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", name, *args], stdout=out, stderr=subprocess.STDOUT,
                                cwd=REPO_ROOT, env=env)  # fmt: skip


@pytest.fixture
def storage_cluster(own_apiserver, tmp_path):
    url = own_apiserver.url
    common = ("--server", url, "--port", str(free_port()), "--no-leader-elect")
    processes = [
        start("controller_manager", tmp_path / "controller-manager.log", *common, "--controllers", CONTROLLERS),
        start(
            "scheduler", tmp_path / "scheduler.log", "--server", url, "--port", str(free_port()), "--no-leader-elect"
        ),
    ]
    kubelet = KubeletProcess(url, tmp_path / "kubelet.log")
    try:
        yield url, kubelet.start()
    finally:
        kubelet.stop()
        remove_node_containers(kubelet.node)
        unmount_below(kubelet.root_dir)
        for process in processes:
            process.terminate()
            process.wait(15)


def pod(name: str, claim: str, script: str, *, read_only: bool = False, sub_path: str = "") -> str:
    mount = f"{{name: d, mountPath: /data, readOnly: {str(read_only).lower()}, subPath: '{sub_path}'}}"
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}}}
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  securityContext: {{fsGroup: 2000}}
  containers: [{{name: app, image: {IMAGE}, command: [sh, -c, "{script}"], volumeMounts: [{mount}]}}]
  volumes: [{{name: d, persistentVolumeClaim: {{claimName: {claim}}}}}]
"""


def claim(name: str, *, cls: str | None = None, volume_name: str | None = None) -> str:
    extra = "" if cls is None else f"\n  storageClassName: '{cls}'"
    extra += "" if volume_name is None else f"\n  volumeName: {volume_name}"
    return f"""
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: {name}}}
spec:
  accessModes: [ReadWriteOnce]
  resources: {{requests: {{storage: 1Gi}}}}{extra}
"""


def test_claims_keep_data_across_pods_and_reclaim_as_asked(storage_cluster, tmp_path):
    url, kubelet = storage_cluster
    kubectl = Kubectl(write_kubeconfig(tmp_path / "kubeconfig", url))
    ns = f"st-{secrets.token_hex(3)}"
    api = api_http(base_url=url, timeout=15)
    api.post("/api/v1/namespaces", json={"metadata": {"name": ns}}).raise_for_status()
    wait_until(lambda: api.get(f"/api/v1/namespaces/{ns}/configmaps/kube-root-ca.crt").status_code == 200,
               what="kube-root-ca.crt", timeout=START_SECONDS)  # fmt: skip
    keep = f"keep-{secrets.token_hex(3)}"
    manual_dir = tmp_path / "manual"
    (manual_dir / "sub").mkdir(parents=True)
    (manual_dir / "sub" / "hello.txt").write_text("made by hand\n")

    def apply(manifest: str) -> None:
        kubectl.run("apply", "-n", ns, "-f", "-", input_text=manifest)

    def obj(kind: str, name: str) -> dict | None:
        path = f"/api/v1/persistentvolumes/{name}" if kind == "pv" else f"/api/v1/namespaces/{ns}/{kind}/{name}"
        response = api.get(path)
        return None if response.status_code == 404 else response.json()

    def phase(kind: str, name: str) -> str | None:
        found = obj(kind, name)
        return None if found is None else (found.get("status") or {}).get("phase")

    def finished(name: str) -> str:
        def story() -> str:
            return kubectl.run("get", "pods,pvc,pv,events", "-n", ns, check=False).stdout + kubelet.log_tail()

        wait_until(lambda: phase("pods", name) in ("Succeeded", "Failed"), what=f"{name} finished", timeout=40,
                   context=story)  # fmt: skip
        assert phase("pods", name) == "Succeeded", kubectl.run("logs", "-n", ns, name, check=False).stdout
        return kubectl.run("logs", "-n", ns, name).stdout

    apply(claim("data"))
    apply(f"""
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: {keep}}}
provisioner: kubemini.io/local-path
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
""")
    apply(claim("kept", cls=keep))
    apply(f"""
apiVersion: v1
kind: PersistentVolume
metadata: {{name: manual-{ns}}}
spec:
  capacity: {{storage: 1Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  hostPath: {{path: {manual_dir}, type: Directory}}
""")
    apply(claim("byhand", cls="", volume_name=f"manual-{ns}"))
    local_dir = tmp_path / "local"
    local_dir.mkdir()
    apply(f"""
apiVersion: v1
kind: PersistentVolume
metadata: {{name: local-{ns}, labels: {{disk: local-{ns}}}}}
spec:
  capacity: {{storage: 2Gi}}
  accessModes: [ReadWriteOnce]
  storageClassName: ""
  local: {{path: {local_dir}}}
  nodeAffinity:
    required:
      nodeSelectorTerms:
      - matchExpressions: [{{key: kubernetes.io/hostname, operator: In, values: [{kubelet.node}]}}]
""")
    apply(claim("bylabel", cls="") + f"  selector: {{matchLabels: {{disk: local-{ns}}}}}\n")
    assert "Pending" in kubectl.run("get", "pvc", "data", "-n", ns).stdout  # WaitForFirstConsumer
    apply(pod("writer", "data", "echo hello > /data/greeting && ls -ln /data/greeting"))
    apply(pod("keeper", "kept", "echo retained > /data/note"))
    apply(pod("local-writer", "bylabel", "echo local > /data/f && ls -ln /data/f"))
    apply(
        pod(
            "reader-manual",
            "byhand",
            "cat /data/hello.txt && ! touch /data/x 2>/dev/null",
            read_only=True,
            sub_path="sub",
        )
    )
    assert finished("writer").split()[3] == "2000", "fsGroup owns the provisioned volume's files"
    finished("keeper")
    assert finished("reader-manual") == "made by hand\n"
    assert finished("local-writer").split()[3] == "2000", "fsGroup owns a local volume"
    assert (local_dir / "f").read_text() == "local\n"

    writer_events = api.get(f"/api/v1/namespaces/{ns}/events", params={"fieldSelector": "involvedObject.name=writer"})
    assert "FailedMount" not in {e["reason"] for e in writer_events.json()["items"]}, "bound before the pod was"
    volume = obj("pv", obj("persistentvolumeclaims", "data")["spec"]["volumeName"])
    directory = Path(volume["spec"]["hostPath"]["path"])
    assert directory.parent == kubelet.root_dir / "local-path" and (directory / "greeting").read_text() == "hello\n"
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == [
        kubelet.node
    ]
    table = kubectl.run("get", "pv,pvc", "-n", ns).stdout
    assert f"{ns}/data" in table and "standard" in table and f"manual-{ns}" in table, table

    kubectl.run("delete", "pod", "writer", "-n", ns)
    apply(pod("holder", "data", "cat /data/greeting && sleep 3600"))
    wait_until(lambda: phase("pods", "holder") == "Running", what="holder Running", timeout=40)
    wait_until(lambda: "hello" in kubectl.run("logs", "-n", ns, "holder", check=False).stdout, what="read back")
    kubectl.run("delete", "pvc", "data", "-n", ns, "--wait=false")
    wait_until(lambda: (obj("persistentvolumeclaims", "data") or {}).get("metadata", {}).get("deletionTimestamp"),
               what="claim marked for deletion")  # fmt: skip
    assert "Terminating" in kubectl.run("get", "pvc", "data", "-n", ns).stdout, "kept while its pod runs"
    assert directory.exists()
    kubectl.run("delete", "pod", "holder", "-n", ns, "--grace-period=0", "--force")
    wait_until(lambda: obj("persistentvolumeclaims", "data") is None, what="claim gone after its pod", timeout=30)
    wait_until(lambda: obj("pv", volume["metadata"]["name"]) is None, what="Delete: PV gone", timeout=30)
    wait_until(lambda: not directory.exists(), what="Delete: directory removed by the kubelet", timeout=30)

    kept = obj("pv", obj("persistentvolumeclaims", "kept")["spec"]["volumeName"])
    kubectl.run("delete", "pod", "keeper", "-n", ns)
    kubectl.run("delete", "pvc", "kept", "-n", ns)
    wait_until(lambda: phase("pv", kept["metadata"]["name"]) == "Released", what="Retain: Released", timeout=30)
    assert (Path(kept["spec"]["hostPath"]["path"]) / "note").read_text() == "retained\n"
    assert "Released" in kubectl.run("get", "pv", kept["metadata"]["name"]).stdout
