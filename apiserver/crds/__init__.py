"""CustomResourceDefinitions served at run time: every apiserver replica keeps its routes in step with etcd.

controller.py   the CRD watch cache ──► reconcile all CRDs: status (names, conditions), registry
                records + watch caches of the served kinds, the cleanup of deleted CRDs
serving.py      CRD → records registered in kubemini.api.registry, watch caches started / stopped
cleanup.py      the `customresourcecleanup.apiextensions.k8s.io` finalizer: delete every custom
                resource, then let the CRD go
admission.py    no new custom resources while their CRD is terminating (405)
"""
