"""The narrow storage interface every store implements (etcd, dry-run): each call carries a revision.

    get(key)                                   → Stored (obj, mod_revision)        KeyNotFound
    list(prefix, revision, limit, start_key)   → Page(items, revision, more, last_key)  Compacted, FutureRevision
    create(key, obj, side)                     → Stored                             KeyExists, SideKeyTaken
    update(key, obj, expected_revision, side)  → Stored                             RevisionConflict, KeyNotFound
    delete(key, expected_revision, side)       → revision                           RevisionConflict, KeyNotFound
    watch(prefix, start_revision)              → StorageEvent stream                Compacted
    compact(revision)                          → None
    current_revision() / check_revision(rev) / keys(prefix)

Every call may also raise Unavailable (etcd not reached: nothing happened) or
OutcomeUnknown (a write was sent but no answer came: it may have happened).
`apiserver.errors.from_storage` turns each named error into its Status.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Protocol


@dataclass
class Stored:
    key: str
    obj: dict
    mod_revision: int
    # Stored in a form writes no longer use (an old encryption key, or plaintext): a no-op
    # update must still write it, which is how `kubemini encryption rotate` re-encrypts.
    stale: bool = False


@dataclass
class SideKeys:
    """Bookkeeping keys changed atomically with an object: created only if absent, or deleted."""

    creates: dict[str, bytes] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)  # key -> mod_revision it must still have

    def merge(self, other: SideKeys | None) -> SideKeys:
        if other is None:
            return self
        return SideKeys(
            creates={**self.creates, **other.creates},
            deletes=self.deletes + [k for k in other.deletes if k not in self.deletes],
            unchanged={**self.unchanged, **other.unchanged},
        )


@dataclass
class Page:
    """One range read: the objects, the store revision it was read at, whether more keys follow,
    and the last key read (the cursor for the next page, even when that key held no valid object)."""

    items: list[Stored]
    revision: int
    more: bool
    last_key: str | None


@dataclass
class StorageEvent:
    type: str  # "PUT" or "DELETE"
    key: str
    obj: dict | None  # the new value (PUT) or the last value (DELETE)
    prev: dict | None
    revision: int


class Backend(Protocol):
    async def get(self, key: str) -> Stored: ...

    async def list(self, prefix: str, *, revision: int = 0, limit: int = 0, start_key: str | None = None) -> Page: ...

    async def create(self, key: str, obj: dict, *, side: SideKeys | None = None) -> Stored: ...

    async def update(self, key: str, obj: dict, *, expected_revision: int, side: SideKeys | None = None) -> Stored: ...

    async def delete(self, key: str, *, expected_revision: int, side: SideKeys | None = None) -> int: ...

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[StorageEvent]: ...

    async def compact(self, revision: int) -> None: ...

    async def current_revision(self) -> int: ...

    async def check_revision(self, revision: int) -> None: ...

    async def keys(self, prefix: str) -> list[str]: ...
