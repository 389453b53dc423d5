"""The `message` of a terminated container: its termination-message file, or its log's tail.

finished instance ──► cached? (an exited container never changes) ──► its message
    else <root>/pods/<uid>/containers/<name>/<restart> (what it wrote at terminationMessagePath,
         first MAX_MESSAGE_BYTES bytes)
         empty + FallbackToLogsOnError + failed ──► the last FALLBACK_LOG_LINES lines of its log
         (at most FALLBACK_LOG_BYTES)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

from kubelet.container_status import has_finished
from kubelet.node_context import NodeContext
from kubelet.pod_containers import PodContainers
from kubelet.runtime import ContainerRecord
from kubelet.termination import container_spec
from kubelet.volumes.layout import termination_log

MAX_MESSAGE_BYTES = 4096
FALLBACK_LOG_LINES = 80
FALLBACK_LOG_BYTES = 2048

log = logging.getLogger(__name__)


def _read_file(path: str) -> str:
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_MESSAGE_BYTES).decode(errors="replace")
    except OSError:
        return ""


async def _log_tail(ctx: NodeContext, record: ContainerRecord) -> str:
    chunks = []
    try:
        stream = ctx.runtime.container_logs(
            record.id, follow=False, tail_lines=FALLBACK_LOG_LINES, timestamps=False, since_seconds=None
        )
        async for chunk in stream:
            chunks.append(chunk)
    except Exception as error:  # noqa: BLE001 - no log is no message, never a failed sync
        log.debug("no log for the termination message of %s: %s", record.id[:12], error)
    return b"".join(chunks)[-FALLBACK_LOG_BYTES:].decode(errors="replace")


async def termination_messages(
    ctx: NodeContext, pod: Mapping[str, Any], view: PodContainers, *, cache: MutableMapping[str, str]
) -> dict[str, str]:
    uid = str((pod.get("metadata") or {}).get("uid", ""))
    for instances in view.by_name.values():
        for record in instances[:2]:
            if record.id in cache or not has_finished(record):
                continue
            spec: Mapping[str, Any] = container_spec(pod, record.container_name)
            message = ""
            if ctx.settings.root_dir is not None:
                path = termination_log(
                    ctx.settings.root_dir, uid, container=record.container_name, restart_count=record.restart_count
                )
                message = _read_file(path)
            failed = record.exit_code != 0 or record.oom_killed
            if not message and failed and spec.get("terminationMessagePolicy") == "FallbackToLogsOnError":
                message = await _log_tail(ctx, record)
            cache[record.id] = message or record.error
    live = {r.id for instances in view.by_name.values() for r in instances}
    for stale in [key for key in cache if key not in live]:
        del cache[stale]
    return {key: value for key, value in cache.items() if value}
