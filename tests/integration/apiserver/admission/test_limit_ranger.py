"""LimitRanger through the API: defaults filled in and annotated, min / max refused with upstream wording."""

from __future__ import annotations

from tests.integration.apiserver.conftest import pod


def limit_range(namespace: str, *limits: dict) -> dict:
    return {"metadata": {"name": "limits", "namespace": namespace}, "spec": {"limits": list(limits)}}


def test_defaults_appear_on_a_created_pod(api, namespace):
    container_limits = {
        "type": "Container",
        "default": {"cpu": "500m", "memory": "256Mi"},
        "defaultRequest": {"cpu": "100m"},
        "min": {"cpu": "50m"},
    }
    created = api.post(f"/api/v1/namespaces/{namespace}/limitranges", json=limit_range(namespace, container_limits))
    assert created.status_code == 201, created.text
    # The LimitRange's own defaulting: a default limit with no default request becomes the request.
    assert created.json()["spec"]["limits"][0]["defaultRequest"] == {"cpu": "100m", "memory": "256Mi"}
    body = pod("web")
    body["spec"]["containers"][0]["resources"] = {"limits": {"memory": "128Mi"}}
    made = api.post(f"/api/v1/namespaces/{namespace}/pods", json=body)
    assert made.status_code == 201, made.text
    resources = made.json()["spec"]["containers"][0]["resources"]
    assert resources["limits"] == {"cpu": "500m", "memory": "128Mi"}
    # The pod's own defaulting ran first (a limit without a request is the request), as upstream.
    assert resources["requests"] == {"cpu": "100m", "memory": "128Mi"}
    assert made.json()["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu request for container main; cpu limit for container main"
    )


def test_min_and_max_are_refused(api, namespace):
    bounds = {"type": "Container", "min": {"cpu": "100m"}, "max": {"memory": "1Gi"}}
    api.post(f"/api/v1/namespaces/{namespace}/limitranges", json=limit_range(namespace, bounds)).raise_for_status()
    body = pod("small")
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "50m"}, "limits": {"memory": "512Mi"}}
    refused = api.post(f"/api/v1/namespaces/{namespace}/pods", json=body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == (
        'pods "small" is forbidden: minimum cpu usage per Container is 100m, but request is 50m'
    )
    body["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "200m"}, "limits": {"memory": "2Gi"}}
    assert api.post(f"/api/v1/namespaces/{namespace}/pods", json=body).json()["message"] == (
        'pods "small" is forbidden: maximum memory usage per Container is 1Gi, but limit is 2Gi'
    )


def test_claim_storage_bounds(api, namespace):
    bounds = {"type": "PersistentVolumeClaim", "max": {"storage": "2Gi"}, "min": {"storage": "1Gi"}}
    api.post(f"/api/v1/namespaces/{namespace}/limitranges", json=limit_range(namespace, bounds)).raise_for_status()

    def claim(size: str) -> dict:
        spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
        return {"metadata": {"name": f"c-{size.lower()}"}, "spec": spec}

    path = f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"
    assert api.post(path, json=claim("1Gi")).status_code == 201
    refused = api.post(path, json=claim("5Gi"))
    assert refused.status_code == 403, refused.text
    assert refused.json()["message"] == (
        'persistentvolumeclaims "c-5gi" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, '
        "but request is 5Gi"
    )
