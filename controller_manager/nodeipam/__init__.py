"""Node IPAM: each Node gets a pod CIDR from the cluster CIDR (kube-controller-manager's `nodeipam`)."""
