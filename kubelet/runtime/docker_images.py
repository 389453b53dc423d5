"""Images on the Docker engine: present? whose user? pull (loopback registries only); inspects cached.

    DockerRuntime.image_present / image_user ──► DockerImages.inspect ──► ImageCache hit, or
                                                  inspect_image on the engine (kept when found)
    DockerRuntime.pull_image ──► DockerImages.pull ──► registry on loopback? ──► pull ──► cache entry dropped

Pulls only go to registries on loopback: this machine may never talk to any
other address, so an image not present, in any other registry, fails to pull
at once (ErrImagePull) instead of asking Docker to reach the internet.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import docker.errors

from kubelet.runtime import ImageMissing
from kubelet.runtime.docker_translation import explain, is_loopback_registry, registry_host
from kubelet.runtime.image_cache import ImageCache

Call = Callable[..., Awaitable[Any]]


class DockerImages:
    def __init__(self, api: Any, call: Call):
        self._api = api
        self._call = call
        self._cache = ImageCache()

    async def inspect(self, image: str) -> dict[str, Any] | None:
        """The image's inspect (cached a few seconds: image_cache.py); None when it is not present."""
        attrs = self._cache.get(image)
        if attrs is not None:
            return attrs
        try:
            attrs = await self._call(self._api.inspect_image, image)
        except docker.errors.APIError as error:
            if isinstance(error, docker.errors.ImageNotFound) or error.status_code == 404:
                return None
            raise
        self._cache.put(image, attrs)
        return attrs

    async def user(self, image: str) -> str:
        try:
            attrs = await self.inspect(image)
        except docker.errors.APIError:
            return ""
        return str(((attrs or {}).get("Config") or {}).get("User") or "")

    async def pull(self, image: str) -> None:
        host = registry_host(image)
        if not is_loopback_registry(host):
            where = host or "docker.io"
            raise ImageMissing(
                f"rpc error: registry {where} is not reachable (kubemini pulls only from loopback registries)"
            )
        repository, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "latest")
        self._cache.forget(image)
        try:
            await self._call(self._api.pull, repository, tag=tag)
        except docker.errors.APIError as error:
            raise ImageMissing(explain(error)) from error
        finally:
            self._cache.forget(image)
