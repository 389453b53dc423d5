"""The CLI's two questions for the Docker engine: is it there, and what of ours runs on it.

The Docker SDK is imported only here and only when called, so `status` and
`down` without `--purge` never pay for it. Every failure to reach the engine
is reported as "not reachable" with the reason: the CLI only warns or skips,
it never has anything to repair on the engine's side.
"""

from __future__ import annotations

from typing import Any

# The label the kubelet puts on every container it creates.
MANAGED_LABEL = "io.kubemini.managed=true"
NODE_LABEL = "io.kubemini.node"  # and the name of the Node it runs for
DOCKER_FIX = "apt-get install -y docker.io && dockerd &"
DOCKER_TIMEOUT_SECONDS = 10


class DockerUnreachableError(RuntimeError):
    pass


def _connect() -> Any:
    try:
        import docker
        import requests
    except ImportError as error:
        raise DockerUnreachableError(f"the docker SDK is not installed: {error}") from error
    try:
        client = docker.from_env(timeout=DOCKER_TIMEOUT_SECONDS)
        client.ping()
    except (docker.errors.DockerException, requests.exceptions.RequestException, OSError) as error:
        raise DockerUnreachableError(str(error)) from error
    return client


def docker_engine_problem() -> str | None:
    """Why the engine cannot be used, or None when it answers."""
    try:
        _connect().close()
    except DockerUnreachableError as error:
        return str(error)
    return None


def remove_managed_containers(node_name: str) -> int:
    """Force-remove the containers kubemini manages for the Node `node_name`; the count removed.

    Another cluster's containers on the same engine (another node name) are left alone.
    Raises DockerUnreachableError when there is no engine to ask.
    """
    import docker

    client = _connect()
    removed = 0
    labels = [MANAGED_LABEL, f"{NODE_LABEL}={node_name}"]
    try:
        for container in client.containers.list(all=True, filters={"label": labels}):
            try:
                container.remove(force=True, v=True)
                removed += 1
            except docker.errors.NotFound:
                pass  # removed by its kubelet meanwhile
            except docker.errors.APIError as exc:
                if exc.status_code != 409:  # "removal already in progress": someone else is on it
                    raise
    finally:
        client.close()
    return removed


def remove_network_if_unused(name: str) -> bool:
    """Remove the Docker network `name` (the kubelet's pod network) unless a container still uses it."""
    import docker

    client = _connect()
    try:
        network = client.networks.get(name)
        network.reload()
        if network.attrs.get("Containers"):
            return False
        network.remove()
        return True
    except docker.errors.NotFound:
        return False
    except docker.errors.APIError:
        return False  # in use after all (a container attached meanwhile)
    finally:
        client.close()
