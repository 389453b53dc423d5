"""ServiceAccount admission: a pod runs as `default` unless it names an account, and gets the
account's token, the cluster CA and its namespace as files, as kube-apiserver's plugin does.

    pod create ──► spec.serviceAccountName (default "default")
               ──► automount? (pod's automountServiceAccountToken, else the account's, else true)
               ──► volume kube-api-access-<5>: projected {serviceAccountToken (3607 s) → token,
                   configMap kube-root-ca.crt → ca.crt, downwardAPI metadata.namespace → namespace}
                   mounted read-only at /var/run/secrets/kubernetes.io/serviceaccount in every container
A pod that already mounts something there, or already has such a volume, is left as it is.
A pod naming an account that does not exist is refused (403 `error looking up service account ns/name:
serviceaccount "name" not found`), as upstream; the `default` account is the exception here, because
this server can run without the controller that creates it. Mirror pods (from a kubelet's static
manifests) get no account, as upstream.
"""

from __future__ import annotations

import os
import random

from apiserver.admission import AdmissionPlugin, Attributes, forbidden
from apiserver.storage.errors import StorageError
from kubemini.api import registry

DEFAULT_SERVICE_ACCOUNT = "default"
MOUNT_PATH = "/var/run/secrets/kubernetes.io/serviceaccount"
VOLUME_PREFIX = "kube-api-access-"
TOKEN_SECONDS = 3607
ROOT_CA_CONFIG_MAP = "kube-root-ca.crt"
SERVICE_ACCOUNTS = registry.by_kind("ServiceAccount")
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_suffixes = random.Random()
os.register_at_fork(after_in_child=_suffixes.seed)  # --workers: each process draws its own names
CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")
MIRROR_ANNOTATION = "kubernetes.io/config.mirror"


def api_access_volume(name: str) -> dict:
    namespace = {"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}
    return {
        "name": name,
        "projected": {
            "defaultMode": 0o644,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": TOKEN_SECONDS, "path": "token"}},
                {"configMap": {"name": ROOT_CA_CONFIG_MAP, "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
                {"downwardAPI": {"items": [namespace]}},
            ],
        },
    }


def automounts(spec: dict, account: dict | None) -> bool:
    if spec.get("automountServiceAccountToken") is not None:
        return bool(spec["automountServiceAccountToken"])
    if account is not None and account.get("automountServiceAccountToken") is not None:
        return bool(account["automountServiceAccountToken"])
    return True


def with_api_access(spec: dict, suffix: str) -> None:
    """Add the kube-api-access volume and its mounts to a pod spec that has neither."""
    volumes = spec.setdefault("volumes", [])
    if any(str(v.get("name", "")).startswith(VOLUME_PREFIX) for v in volumes):
        return
    containers = [c for kind in CONTAINER_LISTS for c in spec.get(kind) or []]
    if any(m.get("mountPath") == MOUNT_PATH for c in containers for m in c.get("volumeMounts") or []):
        return
    name = VOLUME_PREFIX + suffix
    volumes.append(api_access_volume(name))
    for kind in ("initContainers", "containers"):
        for container in spec.get(kind) or []:
            container.setdefault("volumeMounts", []).append({"name": name, "readOnly": True, "mountPath": MOUNT_PATH})


class ServiceAccountDefault(AdmissionPlugin):
    name = "ServiceAccount"

    def handles(self, attrs: Attributes) -> bool:
        return attrs.creates("", "Pod")

    async def mutate(self, ctx, attrs: Attributes) -> None:
        if MIRROR_ANNOTATION in ((attrs.obj.get("metadata") or {}).get("annotations") or {}):
            return
        spec = attrs.obj.setdefault("spec", {})
        name = spec.get("serviceAccountName") or spec.get("serviceAccount") or DEFAULT_SERVICE_ACCOUNT
        spec["serviceAccountName"] = name
        spec["serviceAccount"] = name
        account = await _account(ctx, name, attrs.namespace)
        if account is None and name != DEFAULT_SERVICE_ACCOUNT:
            raise forbidden(
                attrs,
                f'error looking up service account {attrs.namespace}/{name}: serviceaccount "{name}" not found',
            )
        if automounts(spec, account):
            with_api_access(spec, "".join(_suffixes.choices(_SUFFIX_ALPHABET, k=5)))


async def _account(ctx, name: str, namespace: str | None) -> dict | None:
    key = SERVICE_ACCOUNTS.storage_key(name, namespace)
    cache = ctx.cache(SERVICE_ACCOUNTS)
    if cache.ready.is_set():
        return cache.objects.get(key)
    try:
        return (await ctx.store.get(key)).obj
    except StorageError:
        return None
