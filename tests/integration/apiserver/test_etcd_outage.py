"""etcd down: 503 with Retry-After, never a hang or a half-write; recovery afterwards."""

from __future__ import annotations

import time

import httpx

from tests.integration.apiserver.conftest import configmap

HANG_LIMIT_SECONDS = 15


def test_etcd_outage_gives_503_then_recovers(own_etcd, own_apiserver):
    with httpx.Client(base_url=own_apiserver.url, timeout=30) as api:
        path = "/api/v1/namespaces/default/configmaps"
        assert api.post(path, json=configmap("before")).status_code == 201
        own_etcd.stop()
        started = time.monotonic()
        response = api.post(path, json=configmap("during"))
        assert time.monotonic() - started < HANG_LIMIT_SECONDS
        assert response.status_code == 503, response.text
        assert response.json()["reason"] == "ServiceUnavailable"
        assert response.headers["retry-after"] == "1"
        assert api.get("/readyz").status_code == 503
        own_etcd.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and api.get("/readyz").status_code != 200:
            time.sleep(0.2)
        assert api.get("/readyz").status_code == 200
        names = [i["metadata"]["name"] for i in api.get(path).json()["items"]]
        assert names == ["before"], "the failed write must not have landed"
        assert api.post(path, json=configmap("after")).status_code == 201
