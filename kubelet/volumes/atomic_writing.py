"""Writing a volume's files so a reader never sees half an update (Kubernetes' AtomicWriter).

    payload {relative path: File(content, mode)} ──► equal to what ..data shows? ──► nothing to do
        else: new dir ..<timestamp> with every file ──► symlink ..data_tmp ──► rename over ..data
              ──► a top-level symlink per first path segment (<key> ──► ..data/<key>)
              ──► old timestamped dir and symlinks of removed keys deleted

The rename is atomic, so a process inside the container sees either the old
set of files or the new one, never a mix. Paths are checked: no absolute
path, no `..` segment, nothing starting with `..` at the top (those names
are the writer's own).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass

DATA_DIR = "..data"
DATA_DIR_TMP = "..data_tmp"
DIR_MODE = 0o755
FS_GROUP_READ = 0o440


@dataclass(frozen=True)
class File:
    content: bytes
    mode: int = 0o644


class PayloadError(ValueError):
    """A path in the payload would escape the volume or clash with the writer's own names."""


def check_path(path: str) -> None:
    if not path or os.path.isabs(path):
        raise PayloadError(f"invalid path {path!r}: must be relative")
    parts = path.split("/")
    if ".." in parts:
        raise PayloadError(f"invalid path {path!r}: must not contain '..'")
    if parts[0].startswith(".."):
        raise PayloadError(f"invalid path {path!r}: must not start with '..'")


def _current(target: str) -> dict[str, File] | None:
    data = os.path.join(target, DATA_DIR)
    if not os.path.isdir(data):
        return None
    found: dict[str, File] = {}
    for folder, _dirs, files in os.walk(data):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, "rb") as handle:
                found[os.path.relpath(path, data)] = File(handle.read(), os.stat(path).st_mode & 0o7777)
    return found


def _timestamp() -> str:
    now = time.time()
    return time.strftime("..%Y_%m_%d_%H_%M_%S.", time.gmtime(now)) + f"{int(now % 1 * 1e9):09d}"


def write_atomically(target: str, payload: Mapping[str, File], *, gid: int | None = None) -> bool:
    """Make `target` show exactly `payload`; True when anything changed."""
    for path in payload:
        check_path(path)
    os.makedirs(target, mode=DIR_MODE, exist_ok=True)
    expected = {p: File(f.content, f.mode | (FS_GROUP_READ if gid is not None else 0)) for p, f in payload.items()}
    if _current(target) == expected:
        return False
    old = os.readlink(os.path.join(target, DATA_DIR)) if os.path.islink(os.path.join(target, DATA_DIR)) else None
    fresh = tempfile.mkdtemp(prefix=_timestamp(), dir=target)
    os.chmod(fresh, DIR_MODE)
    for path, file in payload.items():
        full = os.path.join(fresh, path)
        os.makedirs(os.path.dirname(full), mode=DIR_MODE, exist_ok=True)
        with open(full, "wb") as handle:
            handle.write(file.content)
        # With an fsGroup, as Kubernetes' SetVolumeOwnership: the group owns it and may read it.
        os.chmod(full, file.mode | (FS_GROUP_READ if gid is not None else 0))
        if gid is not None:
            os.chown(full, -1, gid)
    tmp_link = os.path.join(target, DATA_DIR_TMP)
    if os.path.lexists(tmp_link):
        os.unlink(tmp_link)
    os.symlink(os.path.basename(fresh), tmp_link)
    os.rename(tmp_link, os.path.join(target, DATA_DIR))
    tops = {path.split("/", 1)[0] for path in payload}
    for top in tops:
        link = os.path.join(target, top)
        if not os.path.lexists(link):
            os.symlink(os.path.join(DATA_DIR, top), link)
    for entry in os.listdir(target):
        if not entry.startswith("..") and entry not in tops and os.path.islink(os.path.join(target, entry)):
            os.unlink(os.path.join(target, entry))
    if old and old != os.path.basename(fresh):
        shutil.rmtree(os.path.join(target, old), ignore_errors=True)
    return True
