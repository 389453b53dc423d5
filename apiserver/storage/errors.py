"""Named storage errors; `apiserver.errors.from_storage` maps each to a Status in one place."""

from __future__ import annotations


class StorageError(Exception):
    pass


class KeyExists(StorageError):
    pass


class KeyNotFound(StorageError):
    pass


class RevisionConflict(StorageError):
    """The stored object's revision is not the one the write was based on."""


class SideKeyTaken(StorageError):
    """A bookkeeping key written with the object (an allocated IP or port) exists already."""


class Compacted(StorageError):
    def __init__(self, compact_revision: int = 0):
        super().__init__(f"revision compacted (oldest available {compact_revision})")
        self.compact_revision = compact_revision


class FutureRevision(StorageError):
    pass


class Unavailable(StorageError):
    """etcd could not be reached: the call did not happen."""


class OutcomeUnknown(StorageError):
    """A write was sent to etcd and no answer came in time: it may or may not have been applied."""


class CorruptValue(StorageError):
    """A stored value is not a JSON object kubemini can serve (written around the API, or damaged)."""


class TransformFailed(CorruptValue):
    """A stored value the encryption configuration cannot decrypt (no such key, wrong key, damaged)."""
