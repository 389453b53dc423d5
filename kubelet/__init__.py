"""kubelet (not implemented yet)."""
