"""Fixtures: the clusterrole-aggregation controller against the session apiserver, and a SAR helper."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from controller_manager.clusterrole_aggregation import ClusterRoleAggregationController
from kubemini.client.api_client import ApiClient
from kubemini.client.shared_informers import SharedInformers
from tests.integration.controller_manager.background import BackgroundLoop

AUTHORIZATION = "/apis/authorization.k8s.io/v1"


class Aggregation(BackgroundLoop):
    thread_name = "clusterrole-aggregation"

    def __init__(self, server: str):
        super().__init__()
        self.server = server

    async def main(self) -> None:
        assert self.stopping is not None
        async with ApiClient(self.server) as client:
            informers = SharedInformers(client)
            controller = ClusterRoleAggregationController(client, informers)
            informers.start()
            task = asyncio.create_task(controller.run())
            while not controller.has_synced():
                if task.done():
                    task.result()
                await asyncio.sleep(0.02)
            self.ready()
            await self.stopping.wait()
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await informers.stop()


@pytest.fixture(scope="session")
def aggregation(apiserver):
    loop = Aggregation(apiserver.url).start()
    yield loop
    loop.stop()


def review(api, spec: dict) -> dict:
    response = api.post(f"{AUTHORIZATION}/subjectaccessreviews", json={"spec": spec})
    assert response.status_code == 201, response.text
    return response.json()["status"]


def can(api, user: str, verb: str, resource: str = "", *, groups=("system:authenticated",), **attrs) -> bool:
    """Whether `user` may `verb` (a resource, or a path with `path=`), as SubjectAccessReview answers."""
    spec: dict = {"user": user, "groups": list(groups)}
    if "path" in attrs:
        spec["nonResourceAttributes"] = {"verb": verb, "path": attrs["path"]}
    else:
        spec["resourceAttributes"] = {"verb": verb, "resource": resource, **attrs}
    return review(api, spec)["allowed"]
