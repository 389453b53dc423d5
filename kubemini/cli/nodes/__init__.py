"""More machines: joining a cluster, leaving it, and simulating machines as node containers.

joining.py     `kubemini join` (bootstrap token discovery → kubelet TLS bootstrapping → kube-proxy)
leaving.py     `kubemini leave` (drain + delete on the control plane; `--local` on the node)
containers.py  node containers on the host's Docker engine (the kind model)
simulation.py  `kubemini up --nodes N` / `down`: node containers joined through `kubemini join`
"""
