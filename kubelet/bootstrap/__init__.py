"""Kubelet TLS bootstrapping: a bootstrap token turned into the node's own client certificate."""
