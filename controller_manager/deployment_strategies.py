"""How a Deployment moves from its old ReplicaSets to the new one.

    RollingUpdate: grow new RS while pods ≤ replicas + maxSurge ──► shrink old RSs while
                   available ≥ replicas - maxUnavailable (unhealthy old pods go first)
    Recreate:      old RSs to 0 ──► wait until no old pod exists at all ──► create/grow the new RS
    scaling (spec.replicas changed mid-rollout, or paused): one active RS takes the whole count;
                   several share the change in proportion to their size (Kubernetes' proportional scaling)

Each step returns after the first write that changes sizes; the resulting ReplicaSet
events bring the Deployment back for the next step.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from controller_manager.deployment_revisions import (
    creation_order,
    desired_annotation,
    max_replicas_annotation,
    oldest_first,
)
from controller_manager.deployment_rollout import Rollout
from controller_manager.deployment_status import is_complete
from controller_manager.rollout_limits import (
    available_within_size,
    desired_replicas,
    is_rolling_update,
    max_surge,
    max_unavailable,
    new_rs_replicas,
    spec_replicas,
    status_count,
    total_spec,
)


async def rolling_update(rollout: Rollout) -> None:
    await rollout.new_and_old(create=True)
    if await _grow_new(rollout) or await _shrink_old(rollout):
        await rollout.sync_rollout_status()
        return
    if is_complete(rollout.d, rollout.d.get("status") or {}):
        await rollout.cleanup()
    await rollout.sync_rollout_status()


async def _grow_new(rollout: Rollout) -> bool:
    new, replicas = rollout.new_rs, desired_replicas(rollout.d)
    if new is None or spec_replicas(new) == replicas:
        return False
    if spec_replicas(new) > replicas:
        return await rollout.scale_rs_if_needed(new, replicas)
    size = new_rs_replicas(rollout.d, new_rs=new, current_pods=rollout.pods_possibly_running())
    return await rollout.scale_rs_if_needed(new, size)


async def _shrink_old(rollout: Rollout) -> bool:
    active_old = [rs for rs in rollout.old_rss if spec_replicas(rs) > 0]
    if not active_old:
        return False
    new = rollout.new_rs
    min_available = desired_replicas(rollout.d) - max_unavailable(rollout.d)
    new_unavailable = spec_replicas(new) - status_count(new, "availableReplicas") if new is not None else 0
    max_scaled_down = total_spec(rollout.all_rss) - min_available - max(new_unavailable, 0)
    if max_scaled_down <= 0:
        return False
    cleaned = await _shrink_unhealthy(rollout, active_old, limit=max_scaled_down)
    scaled = await _shrink_available(rollout, min_available=min_available)
    return cleaned + scaled > 0


async def _shrink_unhealthy(rollout: Rollout, old: list[Mapping[str, Any]], *, limit: int) -> int:
    """Old pods that are not available cost no availability: remove them first, up to `limit`."""
    total = 0
    for rs in oldest_first(old):
        if total >= limit:
            break
        rs = rollout.current(rs)
        size = spec_replicas(rs)
        unhealthy = size - status_count(rs, "availableReplicas")
        if size == 0 or unhealthy <= 0:
            continue
        count = min(limit - total, unhealthy)
        await rollout.scale_rs_if_needed(rs, size - count)
        total += count
    return total


async def _shrink_available(rollout: Rollout, *, min_available: int) -> int:
    available = sum(available_within_size(rs) for rs in rollout.all_rss)
    if available <= min_available:
        return 0
    budget = available - min_available
    total = 0
    for rs in oldest_first(rollout.old_rss):
        if total >= budget:
            break
        size = spec_replicas(rs)
        if size == 0:
            continue
        count = min(size, budget - total)
        await rollout.scale_rs_if_needed(rs, size - count)
        total += count
    return total


async def recreate(rollout: Rollout) -> None:
    await rollout.new_and_old(create=False)
    scaled = False
    for rs in rollout.old_rss:
        if spec_replicas(rs) > 0:
            scaled = await rollout.scale_rs_if_needed(rs, 0) or scaled
    if scaled or rollout.old_pods_running():
        await rollout.sync_rollout_status()
        return
    if rollout.new_rs is None:
        await rollout.new_and_old(create=True)
    if rollout.new_rs is not None:
        await rollout.scale_rs_if_needed(rollout.new_rs, desired_replicas(rollout.d))
    if is_complete(rollout.d, rollout.d.get("status") or {}):
        await rollout.cleanup()
    await rollout.sync_rollout_status()


# -- scaling events -------------------------------------------------------------------------------


def is_scaling_event(rollout: Rollout) -> bool:
    """An active ReplicaSet was sized for a different spec.replicas than the Deployment's now."""
    replicas = desired_replicas(rollout.d)
    for rs in rollout.all_rss:
        if spec_replicas(rs) > 0 and (desired := desired_annotation(rs)) is not None and desired != replicas:
            return True
    return False


def _active_or_latest(rollout: Rollout) -> Mapping[str, Any] | None:
    new, old = rollout.new_rs, sorted(rollout.old_rss, key=creation_order, reverse=True)
    if new is None and not old:
        return None
    active = [rs for rs in [*old, new] if rs is not None and spec_replicas(rs) > 0]
    if not active:
        return new if new is not None else old[0]
    return active[0] if len(active) == 1 else None


def _is_saturated(rollout: Rollout, rs: Mapping[str, Any] | None) -> bool:
    replicas = desired_replicas(rollout.d)
    return (
        rs is not None
        and spec_replicas(rs) == replicas
        and desired_annotation(rs) == replicas
        and status_count(rs, "availableReplicas") == replicas
    )


def _fraction(rollout: Rollout, rs: Mapping[str, Any]) -> int:
    """How many replicas `rs` gains (or loses) to keep its share of the Deployment's new size."""
    replicas = desired_replicas(rollout.d)
    if replicas == 0:
        return -spec_replicas(rs)
    annotated = max_replicas_annotation(rs) or int((rollout.d.get("status") or {}).get("replicas") or 0)
    if annotated <= 0:
        return 0
    exact = spec_replicas(rs) * (replicas + max_surge(rollout.d)) / annotated
    return math.floor(exact + 0.5) - spec_replicas(rs)


def _size_order(rs: Mapping[str, Any], *, newer_first: bool) -> tuple[int, float]:
    created = creation_order(rs)[0]
    return (-spec_replicas(rs), -created if newer_first else created)


async def scale(rollout: Rollout) -> None:
    replicas = desired_replicas(rollout.d)
    target = _active_or_latest(rollout)
    if target is not None:
        await rollout.scale_rs_if_needed(target, replicas)
        return
    if _is_saturated(rollout, rollout.new_rs):
        for rs in rollout.old_rss:
            if spec_replicas(rs) > 0:
                await rollout.scale_rs_if_needed(rs, 0)
        return
    if not is_rolling_update(rollout.d):
        return
    active = [rs for rs in rollout.all_rss if spec_replicas(rs) > 0]
    allowed = replicas + max_surge(rollout.d) if replicas > 0 else 0
    to_add = allowed - total_spec(active)
    # Bigger ReplicaSets first; on a tie newer first when growing, older first when shrinking.
    active.sort(key=lambda rs: _size_order(rs, newer_first=to_add > 0))
    sizes: dict[int, int] = {}
    added = 0
    for index, rs in enumerate(active):
        share = 0
        if to_add != 0 and spec_replicas(rs) != 0 and to_add != added:
            fraction, room = _fraction(rollout, rs), to_add - added
            share = min(fraction, room) if to_add > 0 else max(fraction, room)
        sizes[index] = spec_replicas(rs) + share
        added += share
    for index, rs in enumerate(active):
        size = sizes[index]
        if index == 0 and to_add != 0:
            size = max(size + to_add - added, 0)  # leftovers go to the biggest
        await rollout.scale_rs(rs, size)
