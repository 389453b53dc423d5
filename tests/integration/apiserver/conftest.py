"""Fixtures for driving the real apiserver over HTTP."""

from __future__ import annotations

import secrets

import pytest

from tests.support.api_http import api_http


@pytest.fixture
def api(apiserver):
    with api_http(base_url=apiserver.url, timeout=30) as client:
        yield client


@pytest.fixture
def namespace(api):
    """A fresh namespace per test so tests never see each other's objects."""
    name = f"t-{secrets.token_hex(4)}"
    response = api.post("/api/v1/namespaces", json={"metadata": {"name": name}})
    assert response.status_code == 201, response.text
    return name


def configmap(name: str, **data: str) -> dict:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": dict(data)}


def pod(name: str, *, image: str = "kubemini/busybox:1.35", labels: dict | None = None, **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {}},
        "spec": {"containers": [{"name": "main", "image": image}], **spec},
    }


def deployment(name: str, *, replicas: int = 1, labels: dict | None = None) -> dict:
    labels = labels or {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "web", "image": "kubemini/busybox:1.35"}]},
            },
        },
    }
