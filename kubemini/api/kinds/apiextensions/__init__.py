"""apiextensions.k8s.io: CustomResourceDefinitions and the custom resources they define.

crd.py               the CustomResourceDefinition kind's strategy (defaults, status, deletion finalizer)
crd_validation.py    upstream's CRD validation (names, versions, schemas, columns, subresources)
naming.py            NamesAccepted / Established: which names a CRD may serve (first come, first served)
custom_resource.py   the strategy of one served version of a custom resource (schema, columns, scale)
"""
