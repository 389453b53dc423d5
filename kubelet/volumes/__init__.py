"""Pod volumes on the node's disk, and how a pod's containers see them.

    VolumeManager.set_up(pod)                                   (manager.py, every sync of a live pod)
        each spec.volumes[] ──► <root>/pods/<uid>/volumes/<plugin>/<name>      (layout.py)
            emptyDir         a directory; medium Memory ──► tmpfs mounted there; sizeLimit ──► eviction
            configMap, secret, downwardAPI, projected
                             files computed (projections.py) ──► atomic timestamped-dir swap (atomic_writing.py)
            hostPath         the node's path, after its `type` check; persistentVolumeClaim ──► bound PV's path
        ──► PodVolumes (volume name ──► host path), or VolumeError ──► FailedMount, ContainerCreating
    container_mounts(pod, container, volumes, env)              (mounts.py, pure)
        volumeMounts (readOnly, subPath, subPathExpr) ──► [Mount] for the runtime

Re-running set_up on a running pod is how a changed ConfigMap or Secret
reaches its files (within one resync period); a subPath mount binds the file
itself, so it keeps the old content, as in Kubernetes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class VolumeError(Exception):
    """A volume cannot be set up (a missing ConfigMap, a failed hostPath check): FailedMount."""


@dataclass
class PodVolumes:
    paths: dict[str, str] = field(default_factory=dict)  # volume name ──► host path
    read_only: set[str] = field(default_factory=set)  # API volumes are always mounted read-only
    read_only_claims: set[str] = field(default_factory=set)  # persistentVolumeClaim {readOnly: true}
    eviction: str | None = None  # an emptyDir over its sizeLimit: why the pod is evicted
