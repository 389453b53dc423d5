"""Secrets at rest: the first encryption configuration of a cluster, and `kubemini encryption rotate`.

    write_initial_encryption_config(path)   a random aesgcm key `key1`, then identity (mode 0600)

    rotate_encryption_key(path, api):
        1. the rule that covers `secrets` gets a new random key, first (it encrypts from now on);
           the old keys stay after it (they still decrypt)            → file replaced atomically
        2. wait until the apiserver reloaded the file (it runs with
           --encryption-provider-config-automatic-reload; its success counter on /metrics moves)
        3. rewrite every object of the rule's resources with a no-op PUT: the apiserver writes a
           value read with an old key again (as `kubectl get secrets -A -o json | kubectl replace -f -`)
        4. drop the old keys from the rule (identity stays if it was there) → file replaced, reload awaited

The steps decide in pure functions (`with_new_key`, `without_old_keys`, `next_key_name`) and act
in thin ones. A rotation that stops half way leaves a configuration with the new key first and
the old ones after: every value stays readable, and running the rotation again finishes the job.
"""

from __future__ import annotations

import base64
import copy
import os
import re
import secrets
import time
from pathlib import Path
from typing import TextIO

import httpx
import yaml

from kubemini.cli.layout import ClusterHome
from kubemini.cli.settings import load_settings
from kubemini.client.kubeconfig import resolve_config

CONFIG_RELATIVE_PATH = Path("pki") / "encryption-config.yaml"
RELOAD_TIMEOUT_SECONDS = 60.0
RELOADS_METRIC = "apiserver_encryption_config_controller_automatic_reloads_total"
KEY_BYTES = 32
PAGE_SIZE = 500
CONFLICT_RETRIES = 5
ROTATABLE_PROVIDERS = ("aesgcm", "aescbc")


class RotationError(Exception):
    """The rotation cannot go on; the message says what to do."""


def encryption_config_path(home_root: Path) -> Path:
    return home_root / CONFIG_RELATIVE_PATH


def new_secret() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def initial_config(secret: str) -> dict:
    return {
        "apiVersion": "apiserver.config.k8s.io/v1",
        "kind": "EncryptionConfiguration",
        "resources": [
            {
                "resources": ["secrets"],
                # identity last: Secrets stored before encryption was turned on stay readable.
                "providers": [{"aesgcm": {"keys": [{"name": "key1", "secret": secret}]}}, {"identity": {}}],
            }
        ],
    }


def write_config(path: Path, document: dict) -> None:
    """Replace the file atomically with mode 0600, so a reloading apiserver never reads half of it."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(path.name + ".partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(document, handle, sort_keys=False)
    os.chmod(partial, 0o600)
    partial.replace(path)


def write_initial_encryption_config(path: Path) -> bool:
    """Create the cluster's first configuration unless one exists; True when it was written."""
    if path.exists():
        return False
    write_config(path, initial_config(new_secret()))
    return True


def secrets_rule_index(document: dict) -> int:
    for index, rule in enumerate(document.get("resources") or []):
        if any(name in ("secrets", "*.", "*.*") for name in rule.get("resources") or []):
            return index
    raise RotationError("the encryption configuration has no rule for secrets")


def key_names(rule: dict) -> list[str]:
    names = []
    for provider in rule.get("providers") or []:
        for body in provider.values():
            names += [key.get("name", "") for key in (body or {}).get("keys") or []]
    return names


def next_key_name(names: list[str]) -> str:
    numbers = [int(m.group(1)) for name in names if (m := re.fullmatch(r"key(\d+)", name))]
    return f"key{max(numbers, default=0) + 1}"


def with_new_key(document: dict, *, provider: str, name: str, secret: str) -> dict:
    """The secrets rule with a new provider entry holding only the new key, first; the rest after it."""
    result = copy.deepcopy(document)
    rule = result["resources"][secrets_rule_index(result)]
    rule["providers"] = [{provider: {"keys": [{"name": name, "secret": secret}]}}, *rule["providers"]]
    return result


def without_old_keys(document: dict) -> dict:
    """The secrets rule with only its first key (and identity, when it was listed)."""
    result = copy.deepcopy(document)
    rule = result["resources"][secrets_rule_index(result)]
    first, *rest = rule["providers"]
    kind = next(iter(first))
    kept = [{kind: {**first[kind], "keys": first[kind]["keys"][:1]}}]
    rule["providers"] = kept + [p for p in rest if "identity" in p]
    return result


def rewritable_paths(document: dict) -> list[str]:
    """The list paths of the secrets rule's resources; only named core resources can be rewritten here."""
    rule = document["resources"][secrets_rule_index(document)]
    paths = []
    for name in rule["resources"]:
        if "." in name or "*" in name:
            raise RotationError(
                f"the secrets rule also covers {name!r}: rotate it by hand (upstream's steps), or list core "
                "resources by name"
            )
        paths.append(f"/api/v1/{name}")
    return paths


def reload_count(api: httpx.Client) -> tuple[float, float]:
    """(successes, failures) of the apiserver's automatic reloads, from /metrics."""
    response = api.get("/metrics")
    response.raise_for_status()
    counts = {"success": 0.0, "failure": 0.0}
    for line in response.text.splitlines():
        if line.startswith(RELOADS_METRIC + "{"):
            labels, _, value = line.rpartition(" ")
            for status in counts:
                if f'status="{status}"' in labels:
                    counts[status] += float(value)
    return counts["success"], counts["failure"]


def wait_for_reload(api: httpx.Client, before: tuple[float, float], *, timeout_seconds: float) -> None:
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        successes, failures = reload_count(api)
        if successes > before[0]:
            return
        if failures > before[1]:
            raise RotationError("the apiserver refused the new encryption configuration (see its log)")
        time.sleep(0.2)
    raise RotationError(
        f"the apiserver did not reload its encryption configuration within {timeout_seconds:.0f} s; "
        "is it running with --encryption-provider-config-automatic-reload?"
    )


def rewrite_all(api: httpx.Client, list_path: str) -> int:
    """A no-op PUT of every object under `list_path`; returns how many were rewritten."""
    count, token = 0, ""
    while True:
        page = api.get(list_path, params={"limit": PAGE_SIZE, **({"continue": token} if token else {})})
        page.raise_for_status()
        body = page.json()
        kind = body.get("kind", "List").removesuffix("List")
        for item in body.get("items", []):
            count += _rewrite_one(api, list_path, item, kind=kind, api_version=body.get("apiVersion", "v1"))
        token = (body.get("metadata") or {}).get("continue") or ""
        if not token:
            return count


def _rewrite_one(api: httpx.Client, list_path: str, item: dict, *, kind: str, api_version: str) -> int:
    metadata = item["metadata"]
    resource = list_path.rsplit("/", 1)[-1]
    path = f"/api/v1/namespaces/{metadata['namespace']}/{resource}/{metadata['name']}"
    obj = {**item, "kind": kind, "apiVersion": api_version}
    for _ in range(CONFLICT_RETRIES):
        response = api.put(path, json=obj)
        if response.status_code == 404:
            return 0  # deleted meanwhile: nothing left to re-encrypt
        if response.status_code != 409:
            if response.is_error:
                raise RotationError(f"rewriting {path} failed: {response.status_code} {response.text[:300]}")
            return 1
        fresh = api.get(path)
        if fresh.status_code == 404:
            return 0
        fresh.raise_for_status()
        obj = {**fresh.json(), "kind": kind, "apiVersion": api_version}
    raise RotationError(f"{path} kept changing; run the rotation again")


def rotate_encryption_key(
    path: Path,
    api: httpx.Client,
    *,
    provider: str = "aesgcm",
    reload_timeout_seconds: float = RELOAD_TIMEOUT_SECONDS,
    out: TextIO,
) -> str:
    """Rotate the key of the secrets rule (steps in the module docstring); returns the new key's name."""
    if provider not in ROTATABLE_PROVIDERS:
        raise RotationError(f"--provider must be one of {', '.join(ROTATABLE_PROVIDERS)}")
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise RotationError(f"cannot read {path}: {exc}") from None
    list_paths = rewritable_paths(document)
    rule = document["resources"][secrets_rule_index(document)]
    name = next_key_name(key_names(rule))
    rotated = with_new_key(document, provider=provider, name=name, secret=new_secret())
    _apply(api, path, rotated, timeout_seconds=reload_timeout_seconds)
    print(f"{path}: {provider} key {name} added first; the apiserver encrypts with it now", file=out)
    for list_path in list_paths:
        count = rewrite_all(api, list_path)
        print(f"rewrote {count} {list_path.rsplit('/', 1)[-1]} with key {name}", file=out)
    _apply(api, path, without_old_keys(rotated), timeout_seconds=reload_timeout_seconds)
    print(f"{path}: old keys removed", file=out)
    return name


def _apply(api: httpx.Client, path: Path, document: dict, *, timeout_seconds: float) -> None:
    before = reload_count(api)
    write_config(path, document)
    wait_for_reload(api, before, timeout_seconds=timeout_seconds)


def run_rotation(home: ClusterHome, *, config: str | None, provider: str, timeout_seconds: float, out: TextIO) -> int:
    """`kubemini encryption rotate` against the cluster `kubemini up` started in `home`."""
    settings = load_settings(home.settings_path)
    if settings is None:
        print(f"no kubemini cluster has been started in {home.root} (run `kubemini up`)", file=out)
        return 1
    path = Path(config) if config else encryption_config_path(home.root)
    try:
        if not home.kubeconfig_path.exists():
            raise RotationError(f"no kubeconfig at {home.kubeconfig_path}: is the cluster up (`kubemini up`)?")
        admin = resolve_config(kubeconfig=home.kubeconfig_path)
        with httpx.Client(
            base_url=admin.server, verify=admin.ssl_context(), headers=admin.headers(), timeout=30.0
        ) as api:
            rotate_encryption_key(path, api, provider=provider, reload_timeout_seconds=timeout_seconds, out=out)
    except (RotationError, httpx.HTTPError) as exc:
        print(f"error: {exc}", file=out)
        return 1
    return 0
