"""Resource quota rules the ResourceQuota admission plugin and the resourcequota controller share.

    resources.py  resource lists as exact Fractions: add, subtract, mask, compare, print
    pods.py       a pod's requests and limits (containers summed, init containers as a peak, overhead)
    usage.py      what one object charges (`pods`, `requests.cpu`, `count/deployments.apps`, ...)
    scopes.py     whether a quota's scopes / scopeSelector select a pod

Model: kubernetes pkg/quota/v1 (resources.go, evaluator/core/pods.go, services.go,
persistent_volume_claims.go) and plugin/pkg/admission/resourcequota/controller.go.
"""
