#!/bin/bash
# PID 1's child in a kubemini node container (`docker run --init`):
#   1. cgroup v2 hosts: move every process to a child cgroup so dockerd can
#      delegate controllers (what docker's own dind entrypoint does); /sys writable;
#   2. start dockerd (storage on the /var/lib/docker volume) and wait for it;
#   3. a node that joined before (a restarted container) starts its kubelet and
#      kube-proxy again: `kubemini join --resume`;
#   4. wait on dockerd: the container lives as long as its engine.
set -euo pipefail

if [[ -f /sys/fs/cgroup/cgroup.controllers ]]; then
    mkdir -p /sys/fs/cgroup/init
    xargs -rn1 </sys/fs/cgroup/cgroup.procs >/sys/fs/cgroup/init/cgroup.procs 2>/dev/null || true
    sed -e 's/ / +/g' -e 's/^/+/' </sys/fs/cgroup/cgroup.controllers >/sys/fs/cgroup/cgroup.subtree_control || true
fi
mount --make-rshared / 2>/dev/null || true
# Docker mounts /sys read-only in an unprivileged container; the kubelet writes the pods' bridge ports'
# hairpin_mode there (a pod reaching itself through its Service) and dockerd its bridge settings.
mount -o remount,rw /sys

rm -f /var/run/docker.pid /run/docker/containerd/containerd.pid
# No default bridge (pods get the kubelet's own network); the nested containers' cgroups under
# /kubemini/<node>, apart from the host engine's /docker.
dockerd --host unix:///var/run/docker.sock --bridge=none --cgroup-parent "/kubemini/$(hostname)" \
    >/var/log/dockerd.log 2>&1 &
dockerd_pid=$!
for _ in $(seq 1 120); do
    docker info >/dev/null 2>&1 && break
    kill -0 "$dockerd_pid" 2>/dev/null || { echo "dockerd exited:" >&2; tail -20 /var/log/dockerd.log >&2; exit 1; }
    sleep 0.5
done
docker info >/dev/null || { echo "dockerd did not answer in 60 s" >&2; exit 1; }
echo "kubemini node: Docker engine ready"

if [[ -f "$KUBEMINI_HOME/join.json" ]]; then
    kubemini join --resume || echo "kubemini node: resuming the join failed" >&2
fi
trap 'kubemini leave --local >/dev/null 2>&1 || true; kill -TERM "$dockerd_pid"' TERM INT
wait "$dockerd_pid"
