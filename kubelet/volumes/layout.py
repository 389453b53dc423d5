"""Where a pod's files live under the kubelet's root directory (as Kubernetes lays out /var/lib/kubelet).

    <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>
    <root>/pods/<uid>/containers/<container>/<restart count>      the termination-message file
    <root>/pods/<uid>/etc-hosts
    <root>/local-path/pvc-<uid>_<ns>_<claim>                      volumes of the local-path provisioner

The root must be the same path for the kubelet and the Docker engine: Docker
binds these paths into containers by name.
"""

from __future__ import annotations

import os

PLUGINS = {
    "emptyDir": "kubernetes.io~empty-dir",
    "configMap": "kubernetes.io~configmap",
    "secret": "kubernetes.io~secret",
    "downwardAPI": "kubernetes.io~downward-api",
    "projected": "kubernetes.io~projected",
}


def pod_dir(root: str, uid: str) -> str:
    return os.path.join(root, "pods", uid)


def volume_dir(root: str, uid: str, *, plugin: str, name: str) -> str:
    return os.path.join(pod_dir(root, uid), "volumes", PLUGINS[plugin], name)


def termination_log(root: str, uid: str, *, container: str, restart_count: int) -> str:
    return os.path.join(pod_dir(root, uid), "containers", container, str(restart_count))


def local_path_dir(root: str) -> str:
    return os.path.join(root, "local-path")
