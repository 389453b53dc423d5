"""`dryRun=All`: every check of a write runs, nothing is stored.

Reads pass through to the real store; writes verify the preconditions the
real transaction would (absent key, unchanged revision) and return the
object as it would have been stored. Implements the same backend interface.
"""

from __future__ import annotations

import copy

from apiserver.storage.backend import Backend, SideKeys, Stored
from apiserver.storage.errors import KeyExists, KeyNotFound, RevisionConflict


class DryRunStore:
    def __init__(self, store: Backend):
        self._store = store

    def __getattr__(self, name: str):
        return getattr(self._store, name)

    async def create(self, key: str, obj: dict, *, side: SideKeys | None = None) -> Stored:
        try:
            await self._store.get(key)
        except KeyNotFound:
            result = copy.deepcopy(obj)
            result.setdefault("metadata", {}).pop("resourceVersion", None)
            return Stored(key, result, 0)
        raise KeyExists(key)

    async def _current(self, key: str, expected_revision: int) -> Stored:
        current = await self._store.get(key)
        if current.mod_revision != expected_revision:
            raise RevisionConflict(key)
        return current

    async def update(self, key: str, obj: dict, *, expected_revision: int, side: SideKeys | None = None) -> Stored:
        current = await self._current(key, expected_revision)
        result = copy.deepcopy(obj)
        result.setdefault("metadata", {})["resourceVersion"] = str(current.mod_revision)
        return Stored(key, result, current.mod_revision)

    async def delete(self, key: str, *, expected_revision: int, side: SideKeys | None = None) -> int:
        return (await self._current(key, expected_revision)).mod_revision

    async def compact(self, revision: int) -> None:
        return None
