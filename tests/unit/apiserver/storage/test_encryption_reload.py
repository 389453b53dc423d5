"""`--encryption-provider-config-automatic-reload`: a valid new file replaces the transformer, a bad one does not."""

from __future__ import annotations

import base64
import os
from types import SimpleNamespace

from apiserver.storage.encryption.config import load_config
from apiserver.storage.encryption.reloading import RELOADS, ConfigReloader
from apiserver.storage.encryption.transformer import StorageTransformer

KEY = b"/registry/secrets/default/s"


def write(path, key_name: str) -> None:
    secret = base64.b64encode(os.urandom(32)).decode()
    path.write_text(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"
        f"  - resources: [secrets]\n    providers: [{{aesgcm: {{keys: [{{name: {key_name}, secret: {secret}}}]}}}}]\n"
    )


def successes() -> float:
    samples = (s for m in RELOADS.collect() for s in m.samples if s.name.endswith("_total"))
    return sum(s.value for s in samples if s.labels.get("status") == "success")


async def test_a_valid_file_replaces_the_transformer_and_a_bad_one_is_refused(tmp_path):
    path = tmp_path / "config.yaml"
    write(path, "key1")
    config = load_config(path)
    store = SimpleNamespace(values=StorageTransformer(config))
    reloader = ConfigReloader(path, store, config)
    before, original = successes(), store.values
    assert await reloader.reload() and store.values is original, "the same file changes nothing"

    write(path, "key2")
    assert await reloader.reload()
    assert store.values.to_storage(KEY, b"{}").startswith(b"k8s:enc:aesgcm:v1:key2:")
    assert successes() == before + 1

    current = store.values
    path.write_text("kind: EncryptionConfiguration\n")
    assert not await reloader.reload()
    assert store.values is current, "a bad file keeps the configuration in use"
