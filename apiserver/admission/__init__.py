"""Admission: the plugins every write passes through after defaulting (one file per plugin).

    create/update/delete ──► for each plugin that handles(attrs):
        mutate(ctx, attrs)    change the object (assign a Service IP, default a pod's service account)
        validate(ctx, attrs)  refuse it (namespace terminating, unknown PriorityClass)
    the transaction writes attrs.side (bookkeeping keys, preconditions) with the object;
    locks a plugin holds for the write (attrs.held) are released when the attempt ends (`write_attempt`);
    on SideKeyTaken each plugin may explain it (`explain_taken`) or let the write retry.

A plugin decides itself which kinds it acts on: the write paths never name a kind.
The plugin list is built by `apiserver.admission.chain.default_plugins`.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from apiserver.errors import ApiError
from apiserver.storage.backend import SideKeys

CREATE, UPDATE, DELETE = "CREATE", "UPDATE", "DELETE"


@dataclass
class Attributes:
    record: object  # the stored-version ResourceType
    operation: str
    obj: dict | None  # the object being written (storage form); for DELETE the stored object
    old: dict | None = None
    subresource: str | None = None
    namespace: str | None = None
    dry_run: bool = False
    side: SideKeys = field(default_factory=SideKeys)
    notes: dict = field(default_factory=dict)  # per-plugin scratch space between mutate and explain_taken
    held: list = field(default_factory=list)  # locks a plugin took, released when this attempt's write ends

    def creates(self, group: str, kind: str) -> bool:
        """Whether this is the creation of a `group` `kind` itself (not one of its subresources)."""
        return (
            self.operation == CREATE
            and self.record.group == group
            and self.record.kind == kind
            and self.subresource is None
        )


@asynccontextmanager
async def write_attempt(attrs: Attributes):
    """One attempt of a write: whatever locks plugins took in it (`attrs.held`) are released at its end,
    after the transaction (ResourceQuota serialises the charges to one namespace's quotas this way)."""
    try:
        yield attrs
    finally:
        while attrs.held:
            attrs.held.pop().release()


def forbidden(attrs: Attributes, message: str) -> ApiError:
    """403 `<resource> "<name>" is forbidden: <message>`, as admission.NewForbidden words it (a name
    still to be generated shows as its generateName prefix)."""
    record = attrs.record
    meta = (attrs.obj or {}).get("metadata") or {}
    generated = attrs.operation == CREATE and meta.get("generateName")
    name = (meta.get("generateName") if generated else meta.get("name")) or "Unknown"
    resource = f"{record.plural}.{record.group}" if record.group else record.plural
    details = {"name": name, "kind": record.plural}
    if record.group:
        details["group"] = record.group
    return ApiError(403, f'{resource} "{name}" is forbidden: {message}', reason="Forbidden", details=details)


class AdmissionPlugin:
    name = "plugin"

    def handles(self, attrs: Attributes) -> bool:
        return False

    async def mutate(self, ctx, attrs: Attributes) -> None:
        return None

    async def validate(self, ctx, attrs: Attributes) -> None:
        return None

    async def explain_taken(self, ctx, attrs: Attributes):
        """After SideKeyTaken: an ApiError to answer with, or None to let the write pick again."""
        return None


async def mutate(ctx, attrs: Attributes) -> None:
    """Every handling plugin's mutation, in order (before the kind's own validation)."""
    for plugin in ctx.admission:
        if plugin.handles(attrs):
            await plugin.mutate(ctx, attrs)


async def validate(ctx, attrs: Attributes) -> None:
    """Every handling plugin's validation (after the kind's own)."""
    for plugin in ctx.admission:
        if plugin.handles(attrs):
            await plugin.validate(ctx, attrs)


async def explain_taken(ctx, attrs: Attributes):
    for plugin in ctx.admission:
        if plugin.handles(attrs):
            error = await plugin.explain_taken(ctx, attrs)
            if error is not None:
                return error
    return None
