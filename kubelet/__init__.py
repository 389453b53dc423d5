"""kubelet: turns Pods bound to a node into containers and reports what really happens.

    pod informer (spec.nodeName=<node>) ──► NodeAgent ──► PodWorkers (one task per pod)
        ──► sync_pod: runtime containers (by labels) vs spec ──► start / restart / kill
        ──► build_pod_status ──► PATCH pods/<name>/status (only when changed)
    NodeHeartbeat: Node registration, status every 10 s, Lease renewal every 10 s
    KubeletServer: /healthz, /metrics, /pods, /containerLogs (read by apiserver/log_proxy.py)
    runtime/: ContainerRuntime protocol; docker.py (real containers), fake.py (hollow nodes)

Run `python -m kubelet --help`.
"""
