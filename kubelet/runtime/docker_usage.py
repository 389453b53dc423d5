"""Resource usage on a Docker node: a container's from the Engine's stats, the machine's from /proc.

    GET /containers/{id}/stats?stream=false&one-shot=true   (no second sample waited for)
        cpu_stats.cpu_usage.total_usage (ns, cumulative) ──► core-seconds
        memory_stats.usage − inactive file pages          ──► working set (cgroup v1 and v2 names)
    /proc/stat (jiffies not idle or iowait) and /proc/meminfo (MemTotal − MemAvailable) ──► the node
The working set is what the kubelet (cAdvisor) reports and the OOM killer looks at: page cache
that can be dropped is not counted.
"""

from __future__ import annotations

import os
import time
from typing import Any

from kubelet.runtime import ResourceUsage

NANOSECONDS = 1e9
IDLE_FIELDS = (3, 4)  # idle, iowait in /proc/stat's cpu line (after the label)


def usage_from_stats(stats: dict[str, Any], *, now: float | None = None) -> ResourceUsage | None:
    cpu = ((stats.get("cpu_stats") or {}).get("cpu_usage") or {}).get("total_usage")
    memory = stats.get("memory_stats") or {}
    if cpu is None or "usage" not in memory:
        return None  # a container that is not running reports empty stats
    detail = memory.get("stats") or {}
    inactive = detail.get("total_inactive_file", detail.get("inactive_file", 0))
    working_set = max(int(memory["usage"]) - int(inactive), 0)
    return ResourceUsage(int(cpu) / NANOSECONDS, working_set, time.time() if now is None else now)


def read_node_usage(proc: str = "/proc") -> ResourceUsage:
    with open(os.path.join(proc, "stat")) as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    busy = sum(v for i, v in enumerate(fields[:8]) if i not in IDLE_FIELDS)
    meminfo: dict[str, int] = {}
    with open(os.path.join(proc, "meminfo")) as memory:
        for line in memory:
            key, _, value = line.partition(":")
            meminfo[key] = int(value.split()[0]) * 1024
    working_set = meminfo.get("MemTotal", 0) - meminfo.get("MemAvailable", 0)
    return ResourceUsage(busy / os.sysconf("SC_CLK_TCK"), working_set, time.time())
