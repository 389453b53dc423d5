"""The shared admission pieces: the 403 wording, warnings per request, locks released with the attempt."""

from __future__ import annotations

import asyncio

from apiserver.admission import CREATE, UPDATE, Attributes, forbidden, warnings, write_attempt
from kubemini.api import registry


def test_forbidden_names_the_object_or_its_generate_name_prefix():
    pods, deployments = registry.by_kind("Pod"), registry.by_kind("Deployment")
    error = forbidden(Attributes(pods, CREATE, {"metadata": {"name": "web-x1", "generateName": "web-"}}), "no")
    assert (error.code, error.status["message"]) == (403, 'pods "web-" is forbidden: no')
    error = forbidden(Attributes(deployments, UPDATE, {"metadata": {"name": "web", "generateName": "w-"}}), "no")
    assert error.status["message"] == 'deployments.apps "web" is forbidden: no'
    assert error.status["details"] == {"name": "web", "kind": "deployments", "group": "apps"}


def test_warnings_are_collected_per_request_once_each():
    async def request(texts: list[str]) -> list[str]:
        collected = warnings.collect()
        for text in texts:
            await asyncio.sleep(0)
            warnings.add(text)
        return collected

    async def both():
        return await asyncio.gather(request(["a", "b", "a"]), request(["c"]))

    assert asyncio.run(both()) == [["a", "b"], ["c"]]
    warnings.add("outside any request")  # nothing collects it, nothing breaks


def test_locks_taken_in_an_attempt_are_released_even_when_it_fails():
    async def run() -> bool:
        lock = asyncio.Lock()
        attrs = Attributes(registry.by_kind("Pod"), CREATE, {"metadata": {}})
        try:
            async with write_attempt(attrs):
                await lock.acquire()
                attrs.held.append(lock)
                raise RuntimeError("refused")
        except RuntimeError:
            pass
        return lock.locked() or bool(attrs.held)

    assert asyncio.run(run()) is False
