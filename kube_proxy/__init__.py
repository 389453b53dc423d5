"""kube_proxy (not implemented yet)."""
