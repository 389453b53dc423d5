"""Joining a machine to a cluster with a bootstrap token, as `kubeadm join` does (discovery.py)."""
