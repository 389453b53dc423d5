"""pods/ephemeralcontainers: add debug containers to a running pod (what `kubectl debug` does).

    GET   ──► the Pod
    PATCH (strategic, merge, JSON) / PUT ──► only spec.ephemeralContainers taken from the result
        existing ephemeral containers may not change or go (Kubernetes' rule); names must be new
        to the pod; the rest of the Pod is left as stored ──► the Pod
The kubelet notices the new entry and starts it in the pod's sandbox.
"""

from __future__ import annotations

import copy

from fastapi import Request
from fastapi.responses import Response

from apiserver.decoding.reading import read_object, read_patch
from apiserver.errors import ApiError, method_not_allowed
from apiserver.metadata import DIRECT
from apiserver.negotiation import choose, render
from apiserver.patching import apply_patch, patch_type
from apiserver.reading import get_object
from apiserver.request_info import RequestInfo
from apiserver.writing import update_object

EPHEMERAL_DEFAULTS = {"imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log",
                      "terminationMessagePolicy": "File"}  # fmt: skip


def _invalid(name: str, message: str) -> ApiError:
    return ApiError(422, f'Pod "{name}" is invalid: spec.ephemeralContainers: {message}', reason="Invalid")


def with_ephemeral_containers(current: dict, wanted: list) -> dict:
    """`current` with its ephemeral containers replaced by `wanted`, if that is an allowed change."""
    name = current["metadata"]["name"]
    spec = current.get("spec") or {}
    existing = {c.get("name"): c for c in spec.get("ephemeralContainers") or []}
    by_name = {c.get("name"): c for c in wanted if isinstance(c, dict)}
    for old_name, old in existing.items():
        if by_name.get(old_name) is None:
            raise _invalid(name, f"ephemeral container {old_name!r} may not be removed")
        if {k: v for k, v in by_name[old_name].items() if k not in EPHEMERAL_DEFAULTS} != {
            k: v for k, v in old.items() if k not in EPHEMERAL_DEFAULTS
        }:
            raise _invalid(name, f"ephemeral container {old_name!r} may not be changed")
    taken = {c.get("name") for key in ("containers", "initContainers") for c in spec.get(key) or []}
    result = copy.deepcopy(current)
    containers = []
    for container in wanted:
        if not isinstance(container, dict) or not container.get("name") or not container.get("image"):
            raise _invalid(name, "every ephemeral container needs a name and an image")
        if container["name"] in taken:
            raise _invalid(name, f"Duplicate value: {container['name']!r}")
        containers.append({**EPHEMERAL_DEFAULTS, **container})
    result.setdefault("spec", {})["ephemeralContainers"] = containers
    return result


async def serve(ctx, info: RequestInfo, request: Request) -> Response:
    accept = choose(request.headers.get("accept", ""), tables=False)
    pod_info = info.main()
    if request.method == "GET":
        return render(await get_object(ctx, pod_info), accept)
    if request.method == "PATCH":
        content_type = request.headers.get("content-type", "")
        kind, patch = patch_type(content_type), await read_patch(request, content_type)

        def change(current: dict) -> dict:
            patched = apply_patch(kind, current, patch, record=info.resource)
            return with_ephemeral_containers(current, (patched.get("spec") or {}).get("ephemeralContainers") or [])

    elif request.method == "PUT":
        body = (await read_object(request)).document
        wanted = ((body.get("spec") or {}) if isinstance(body, dict) else {}).get("ephemeralContainers") or []

        def change(current: dict) -> dict:
            return with_ephemeral_containers(current, wanted)

    else:
        raise method_not_allowed()
    return render(await update_object(ctx, pod_info, change, mode=DIRECT), accept)
