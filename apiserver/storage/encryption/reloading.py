"""`--encryption-provider-config-automatic-reload`: follow the configuration file while serving.

    every POLL_SECONDS: stat(file) changed? → read + parse (in a thread) → digest differs?
        valid   → store.values = StorageTransformer(new config); reloads_total{status="success"} += 1
        invalid → keep serving with the old configuration, log why; reloads_total{status="failure"} += 1

Upstream polls once a minute; kubemini polls every few seconds (a stat of one small file), so
`kubemini encryption rotate` waits seconds, not minutes, for the new key to be in use. The
success counter is what a rotation waits on before it rewrites the Secrets.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import time
import uuid
from pathlib import Path

from prometheus_client import Counter, Gauge

from apiserver.metrics import REGISTRY
from apiserver.storage.encryption.config import EncryptionConfig, EncryptionConfigError, load_config
from apiserver.storage.encryption.transformer import StorageTransformer

log = logging.getLogger("apiserver.encryption")
POLL_SECONDS = float(os.environ.get("KUBEMINI_ENCRYPTION_RELOAD_POLL_SECONDS", "2"))
APISERVER_ID_HASH = "sha256:" + hashlib.sha256(f"kube-apiserver-{uuid.uuid4()}".encode()).hexdigest()

RELOADS = Counter(
    "apiserver_encryption_config_controller_automatic_reloads",
    "Total number of reload successes and failures of encryption configuration split by apiserver identity.",
    ["status", "apiserver_id_hash"],
    registry=REGISTRY,
)
LAST_RELOAD = Gauge(
    "apiserver_encryption_config_controller_automatic_reload_last_timestamp_seconds",
    "Timestamp of the last successful or failed automatic reload of encryption configuration.",
    ["status", "apiserver_id_hash"],
    registry=REGISTRY,
)


def _file_state(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


class ConfigReloader:
    """Owns the task that keeps `store.values` in step with the file."""

    def __init__(self, path: Path, store, config: EncryptionConfig, *, poll_seconds: float = POLL_SECONDS):
        self._path = path
        self._store = store
        self._digest = config.digest
        self._poll_seconds = poll_seconds
        self._state = _file_state(path)
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._poll_seconds)
            state = _file_state(self._path)
            if state is None or state == self._state:
                continue
            self._state = state
            await self.reload()

    async def reload(self) -> bool:
        try:
            config = await asyncio.to_thread(load_config, self._path)
            transformer = StorageTransformer(config) if config.digest != self._digest else None
        except EncryptionConfigError as exc:
            log.error("encryption configuration %s not reloaded, the old one stays in use: %s", self._path, exc)
            self._record("failure")
            return False
        if transformer is not None:
            self._store.values = transformer
            self._digest = config.digest
            log.info("encryption configuration %s reloaded (%s)", self._path, config.digest)
            self._record("success")
        return True

    def _record(self, status: str) -> None:
        RELOADS.labels(status, APISERVER_ID_HASH).inc()
        LAST_RELOAD.labels(status, APISERVER_ID_HASH).set(time.time())


class EncryptionSetup:
    """What the apiserver's flags ask for: the file, its configuration, and whether to follow it."""

    def __init__(self, path: Path, *, automatic_reload: bool):
        self.path = path
        self.config = load_config(path)  # EncryptionConfigError: the server refuses to start
        self.automatic_reload = automatic_reload

    @classmethod
    def from_flags(cls, path: str | None, *, automatic_reload: bool) -> EncryptionSetup | None:
        if not path:
            if automatic_reload:
                raise EncryptionConfigError(
                    "--encryption-provider-config-automatic-reload requires --encryption-provider-config"
                )
            return None
        try:
            return cls(Path(path), automatic_reload=automatic_reload)
        except EncryptionConfigError as exc:
            raise EncryptionConfigError(f"--encryption-provider-config {path}: {exc}") from None

    def transformer(self) -> StorageTransformer:
        return StorageTransformer(self.config)

    def follow(self, store) -> ConfigReloader | None:
        """Start reloading the file into `store` when asked to; the caller stops the reloader."""
        if not self.automatic_reload:
            return None
        reloader = ConfigReloader(self.path, store, self.config)
        reloader.start()
        return reloader
