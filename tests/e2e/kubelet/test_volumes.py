"""Every volume type, checked from inside the container with kubectl exec; live ConfigMap updates; FailedMount."""

from __future__ import annotations

import base64
import subprocess

from tests.e2e.kubelet.pods import (
    IMAGE,
    container_status,
    create_pod,
    events,
    get_pod,
    phase,
    wait_for_pod,
    wait_until,
    waiting_reason,
)

LIVE_UPDATE_SECONDS = 90.0


def _create(api, namespace: str, kind: str, body: dict) -> None:
    response = api.post(f"/api/v1/namespaces/{namespace}/{kind}", json=body)
    assert response.status_code == 201, response.text


def _exec(kubectl, namespace: str, pod: str, script: str, *, container: str = "app", check: bool = True):
    return kubectl.run("exec", "-n", namespace, pod, "-c", container, "--", "sh", "-c", script, check=check)


def test_every_volume_type_is_mounted_with_its_content(api, kubelet, namespace, kubectl, tmp_path):
    _create(api, namespace, "configmaps", {"metadata": {"name": "cfg"}, "data": {"a.txt": "alpha", "b.txt": "beta"}})
    secret = {"token": base64.b64encode(b"s3cr3t").decode()}
    _create(api, namespace, "secrets", {"metadata": {"name": "sec"}, "data": secret})
    host_dir = tmp_path / "host-data"
    volumes = [
        {"name": "scratch", "emptyDir": {}},
        {"name": "memory", "emptyDir": {"medium": "Memory", "sizeLimit": "8Mi"}},
        {"name": "cfg", "configMap": {"name": "cfg", "items": [{"key": "a.txt", "path": "sub/a.txt", "mode": 0o400}]}},
        {"name": "whole", "configMap": {"name": "cfg"}},
        {"name": "sec", "secret": {"secretName": "sec", "defaultMode": 0o440}},
        {"name": "absent", "secret": {"secretName": "absent", "optional": True}},
        {"name": "info", "downwardAPI": {"items": [
            {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
            {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
            {"path": "mem",
             "resourceFieldRef": {"containerName": "app", "resource": "limits.memory", "divisor": "1Mi"}},
        ]}},
        {"name": "all", "projected": {"sources": [
            {"configMap": {"name": "cfg", "items": [{"key": "b.txt", "path": "b"}]}},
            {"secret": {"name": "sec"}},
            {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"fieldPath": "metadata.namespace"}}]}},
        ]}},
        {"name": "host", "hostPath": {"path": str(host_dir), "type": "DirectoryOrCreate"}},
    ]  # fmt: skip
    mounts = [
        {"name": "scratch", "mountPath": "/scratch"},
        {"name": "memory", "mountPath": "/memory"},
        {"name": "cfg", "mountPath": "/cfg"},
        {"name": "whole", "mountPath": "/whole"},
        {"name": "whole", "mountPath": "/etc/app.conf", "subPath": "a.txt"},
        {"name": "sec", "mountPath": "/sec"},
        {"name": "absent", "mountPath": "/absent"},
        {"name": "info", "mountPath": "/info"},
        {"name": "all", "mountPath": "/all"},
        {"name": "host", "mountPath": "/host"},
        {"name": "scratch", "mountPath": "/by-pod", "subPathExpr": "$(POD_NAME)"},
    ]
    app = {
        "name": "app",
        "image": IMAGE,
        "command": ["sleep", "3600"],
        "volumeMounts": mounts,
        "env": [{"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}}],
        "resources": {"limits": {"memory": "64Mi"}},
    }
    peer = {"name": "peer", "image": IMAGE, "command": ["sleep", "3600"],
            "volumeMounts": [{"name": "scratch", "mountPath": "/shared", "readOnly": True}]}  # fmt: skip
    manifest = {"metadata": {"name": "vols", "labels": {"tier": "web"}},
                "spec": {"nodeName": kubelet.node, "terminationGracePeriodSeconds": 1,
                         "containers": [app, peer], "volumes": volumes}}  # fmt: skip
    create_pod(api, namespace, manifest)
    wait_for_pod(api, namespace, "vols", lambda p: phase(p) == "Running", what="Running", timeout=60)

    seen = _exec(kubectl, namespace, "vols", (
        "cat /cfg/sub/a.txt; echo; stat -L -c %a /cfg/sub/a.txt; cat /whole/b.txt; echo; cat /etc/app.conf; echo;"
        " cat /sec/token; echo; stat -L -c %a /sec/token; ls /absent | wc -l; cat /info/labels; echo;"
        " cat /info/name; echo; cat /info/mem; echo; cat /all/b /all/token /all/namespace; echo;"
        " grep ' /memory ' /proc/mounts | cut -d' ' -f3; echo hi > /scratch/x; echo ok > /host/file;"
        " touch /by-pod/mark"
    )).stdout.splitlines()  # fmt: skip
    assert seen == [
        "alpha", "400", "beta", "alpha", "s3cr3t", "440", "0", 'tier="web"', "vols", "64",
        f"betas3cr3t{namespace}", "tmpfs",
    ]  # fmt: skip
    assert _exec(kubectl, namespace, "vols", "cat /shared/x; ls /shared/vols", container="peer").stdout == "hi\nmark\n"
    refused = _exec(kubectl, namespace, "vols", "echo no > /shared/y", container="peer", check=False)
    assert refused.returncode != 0 and "Read-only file system" in refused.stderr
    assert (host_dir / "file").read_text() == "ok\n"
    assert _exec(kubectl, namespace, "vols", "echo x > /cfg/new", check=False).returncode != 0, (
        "API volumes are read-only"
    )

    patch = {"data": {"a.txt": "alpha-2", "b.txt": "beta"}}
    response = api.patch(f"/api/v1/namespaces/{namespace}/configmaps/cfg", json=patch,
                         headers={"Content-Type": "application/merge-patch+json"})  # fmt: skip
    assert response.status_code == 200, response.text
    wait_until(
        lambda: _exec(kubectl, namespace, "vols", "cat /whole/a.txt").stdout == "alpha-2",
        what="the ConfigMap update in the mounted file",
        timeout=LIVE_UPDATE_SECONDS,
        interval=1,
    )
    shown = _exec(kubectl, namespace, "vols", "cat /cfg/sub/a.txt /etc/app.conf").stdout
    app = container_status(get_pod(api, namespace, "vols") or {})
    # A container started again (its sandbox was replaced) binds the new file: only a running one keeps the old.
    kept = "alpha" if app.get("restartCount") == 0 else "alpha-2"
    assert shown == f"alpha-2{kept}", f"items follow the update; a subPath mount keeps what it had ({app})"


def test_missing_config_map_waits_with_failed_mount_then_starts(api, kubelet, namespace):
    app = {"name": "app", "image": IMAGE, "command": ["sleep", "3600"],
           "volumeMounts": [{"name": "late", "mountPath": "/late"}]}  # fmt: skip
    manifest = {"metadata": {"name": "waits"},
                "spec": {"nodeName": kubelet.node, "terminationGracePeriodSeconds": 1, "containers": [app],
                         "volumes": [{"name": "late", "configMap": {"name": "late-config"}}]}}  # fmt: skip
    create_pod(api, namespace, manifest)
    failed = wait_until(
        lambda: [e for e in events(api, namespace, "waits") if e["reason"] == "FailedMount"],
        what="a FailedMount event",
    )
    assert 'configmap "late-config" not found' in failed[0]["message"]
    pod = wait_for_pod(api, namespace, "waits", lambda p: waiting_reason(p) == "ContainerCreating", what="waiting")
    assert phase(pod) == "Pending"
    _create(api, namespace, "configmaps", {"metadata": {"name": "late-config"}, "data": {"k": "v"}})
    wait_for_pod(api, namespace, "waits", lambda p: phase(p) == "Running", what="Running once the ConfigMap exists")


def test_memory_empty_dir_is_unmounted_when_the_pod_goes(api, kubelet, namespace):
    app = {"name": "app", "image": IMAGE, "command": ["sleep", "3600"],
           "volumeMounts": [{"name": "m", "mountPath": "/m"}]}  # fmt: skip
    manifest = {"metadata": {"name": "mem"},
                "spec": {"nodeName": kubelet.node, "terminationGracePeriodSeconds": 1, "containers": [app],
                         "volumes": [{"name": "m", "emptyDir": {"medium": "Memory"}}]}}  # fmt: skip
    uid = create_pod(api, namespace, manifest)["metadata"]["uid"]
    wait_for_pod(api, namespace, "mem", lambda p: phase(p) == "Running", what="Running")

    def mounted() -> bool:
        return uid in subprocess.run(["cat", "/proc/self/mounts"], capture_output=True, text=True).stdout

    assert mounted()
    api.request("DELETE", f"/api/v1/namespaces/{namespace}/pods/mem", json={})
    wait_until(lambda: api.get(f"/api/v1/namespaces/{namespace}/pods/mem").status_code == 404, what="pod gone")
    assert not mounted() and not (kubelet.root_dir / "pods" / uid).exists()
