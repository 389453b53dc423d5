"""The controller manager: ReplicaSet, Deployment, garbage-collector, namespace, node-lifecycle and
taint-eviction controllers, one module each, run by `python -m controller_manager` under one Lease."""
