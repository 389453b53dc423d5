"""etcd down: 503 with Retry-After, never a hang or a half-write; recovery afterwards."""

from __future__ import annotations

import asyncio
import signal
import time

import pytest

from kubemini.api.registry import by_kind
from kubemini.client.api_client import ApiClient
from kubemini.client.errors import ApiError
from tests.integration.apiserver.conftest import configmap
from tests.support.api_http import api_http

CONFIGMAPS = by_kind("ConfigMap")

HANG_LIMIT_SECONDS = 15


def test_etcd_outage_gives_503_then_recovers(own_etcd, own_apiserver):
    with api_http(base_url=own_apiserver.url, timeout=30) as api:
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


def test_a_write_etcd_never_answered_is_504_may_have_succeeded_and_never_duplicated(own_etcd, own_apiserver):
    """etcd frozen mid-write (SIGSTOP): the outcome is unknown, so 504 Timeout, not 503; no duplicate.

    The frozen member still holds the request; on SIGCONT it may apply it. A client that
    trusted a 503 and retried a generateName create would make two objects; with 504 and the
    client library not resending writes, at most one exists afterwards.
    """
    with api_http(base_url=own_apiserver.url, timeout=60) as api:
        path = "/api/v1/namespaces/default/configmaps"
        api.get(path).raise_for_status()  # the watch caches and etcd connection are up
        own_etcd.process.send_signal(signal.SIGSTOP)
        try:
            started = time.monotonic()
            response = api.post(path, json={"metadata": {"generateName": "stalled-"}})
            elapsed = time.monotonic() - started
        finally:
            own_etcd.process.send_signal(signal.SIGCONT)
        assert elapsed < HANG_LIMIT_SECONDS, elapsed
        assert response.status_code == 504, response.text
        status = response.json()
        assert status["reason"] == "Timeout" and "may have succeeded" in status["message"]
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and api.get("/readyz").status_code != 200:
            time.sleep(0.2)
        names = [i["metadata"]["name"] for i in api.get(path).json()["items"]]
        assert len([n for n in names if n.startswith("stalled-")]) <= 1, names


async def test_the_client_library_does_not_resend_a_write_whose_outcome_is_unknown(own_etcd, own_apiserver):
    async with ApiClient(own_apiserver.url) as client:
        await client.list(CONFIGMAPS, namespace="default")
        own_etcd.process.send_signal(signal.SIGSTOP)
        try:
            with pytest.raises(ApiError) as caught:
                await client.create(CONFIGMAPS, {"metadata": {"generateName": "once-"}}, namespace="default")
        finally:
            own_etcd.process.send_signal(signal.SIGCONT)
        assert caught.value.code == 504, caught.value
        await asyncio.sleep(2)
        items = (await client.list(CONFIGMAPS, namespace="default"))["items"]
        assert len([i for i in items if i["metadata"]["name"].startswith("once-")]) <= 1
