"""The narrow storage interface every store implements (etcd, dry-run): each call carries a revision.

    get(key, known)                            → Stored (obj, mod_revision)        KeyNotFound
    list(prefix, revision, limit, start_key, known) → Page(items, revision, more, last_key)  Compacted, FutureRevision
    create(key, obj, side)                     → Stored                             KeyExists, SideKeyTaken
    update(key, obj, expected_revision, side)  → Stored                             RevisionConflict, KeyNotFound
    delete(key, expected_revision, side)       → revision                           RevisionConflict, KeyNotFound
    watch(prefix, start_revision)              → StorageEvent stream                Compacted
    compact(revision)                          → None
    current_revision() / check_revision(rev) / keys(prefix)
    unchanged_since(prefix, revision, count)   → current revision, or None if the prefix changed

Every call may also raise Unavailable (etcd not reached: nothing happened) or
OutcomeUnknown (a write was sent but no answer came: it may have happened).
`apiserver.errors.from_storage` turns each named error into its Status.

`known(key, mod_revision)` (optional, on reads) returns an `Encoded` entry the caller already
holds for that exact revision (the watch cache's): that value is not decoded again, and the
Stored carries the entry (its serializations are shared; the object is read-only).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Protocol

from apiserver.storage.encoded import Encoded

Known = Callable[[str, int], Encoded | None]


@dataclass
class Stored:
    key: str
    obj: dict
    mod_revision: int
    # Stored in a form writes no longer use (an old encryption key, or plaintext): a no-op
    # update must still write it, which is how `kubemini encryption rotate` re-encrypts.
    stale: bool = False
    entry: Encoded | None = None  # the shared cache entry this value was found as (`known`)


@dataclass
class SideKeys:
    """Bookkeeping keys changed atomically with an object: created only if absent, deleted, or
    overwritten (`puts`, e.g. a ResourceQuota's status.used, guarded by an `unchanged` revision)."""

    creates: dict[str, bytes] = field(default_factory=dict)
    deletes: list[str] = field(default_factory=list)
    unchanged: dict[str, int] = field(default_factory=dict)  # key -> mod_revision it must still have
    puts: dict[str, bytes] = field(default_factory=dict)  # key -> value written whatever it held

    def merge(self, other: SideKeys | None) -> SideKeys:
        if other is None:
            return self
        return SideKeys(
            creates={**self.creates, **other.creates},
            deletes=self.deletes + [k for k in other.deletes if k not in self.deletes],
            unchanged={**self.unchanged, **other.unchanged},
            puts={**self.puts, **other.puts},
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
    async def get(self, key: str, *, known: Known | None = None) -> Stored: ...

    async def list(
        self,
        prefix: str,
        *,
        revision: int = 0,
        limit: int = 0,
        start_key: str | None = None,
        known: Known | None = None,
    ) -> Page: ...

    async def create(self, key: str, obj: dict, *, side: SideKeys | None = None) -> Stored: ...

    async def update(self, key: str, obj: dict, *, expected_revision: int, side: SideKeys | None = None) -> Stored: ...

    async def delete(self, key: str, *, expected_revision: int, side: SideKeys | None = None) -> int: ...

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[StorageEvent]: ...

    async def compact(self, revision: int) -> None: ...

    async def current_revision(self) -> int: ...

    async def unchanged_since(self, prefix: str, revision: int, count: int) -> int | None: ...

    async def check_revision(self, revision: int) -> None: ...

    async def keys(self, prefix: str) -> list[str]: ...
