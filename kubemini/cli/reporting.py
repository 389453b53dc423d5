"""`kubemini status`: for each component, is its process alive, what does it cost, does it answer healthy?

    pid files → one /proc snapshot, SAMPLE_SECONDS of sleep, another → CPU % and RSS per component
             → health probe of each component → one line each

CPU is the share of one core the component's process tree (kubemini/cli/process_usage.py) used
during that one short sample, taken for all components at once and before any health probe (a
probe's own cost would otherwise be counted), from the scheduler's per-thread nanosecond run times
(clock ticks would give 1 % steps over 1 s). RSS is the tree's resident memory at the end of the sample.

Exit status 0 only when every installed component is both alive and healthy; a component whose
package has no `__main__.py` yet is listed as "not installed" and does not count against the cluster.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TextIO

from kubemini.cli.components import COMPONENTS
from kubemini.cli.layout import ClusterHome
from kubemini.cli.pidfiles import is_running, read_pid_file
from kubemini.cli.probing import probe_health
from kubemini.cli.process_usage import (
    Snapshot,
    take_snapshot,
    thread_cpu_ns,
    thread_cpu_percent,
    tree_pids,
    tree_usage,
)
from kubemini.cli.settings import load_settings

SAMPLE_SECONDS = 1.0
MEBIBYTE = 1024 * 1024


@dataclass(frozen=True)
class Usage:
    cpu_percent: float
    rss_bytes: int


def sample_usage(leaders: dict[str, int], *, seconds: float = SAMPLE_SECONDS) -> dict[str, Usage]:
    """CPU % of one core over `seconds` and RSS at the end, per component, all sampled together."""
    if not leaders:
        return {}
    before = take_snapshot()
    before_ns = {pid: thread_cpu_ns(pid) for pid in _tree_members(leaders, before)}
    time.sleep(seconds)
    after = take_snapshot()
    after_ns = {pid: thread_cpu_ns(pid) for pid in _tree_members(leaders, after)}
    return {
        name: Usage(
            thread_cpu_percent(before, after, before_ns, after_ns, tree_pids(leader, after.processes)),
            tree_usage(leader, after).rss_bytes,
        )
        for name, leader in leaders.items()
    }


def _tree_members(leaders: dict[str, int], snapshot: Snapshot) -> set[int]:
    return {pid for leader in leaders.values() for pid in tree_pids(leader, snapshot.processes)}


def format_usage(usage: Usage | None) -> tuple[str, str]:
    if usage is None:
        return "-", "-"
    return f"{usage.cpu_percent:.2f}%", f"{usage.rss_bytes / MEBIBYTE:.0f}MB"


def report_status(home: ClusterHome, *, out: TextIO) -> int:
    settings = load_settings(home.settings_path)
    if settings is None:
        print(f"no kubemini cluster has been started in {home.root} (run `kubemini up`)", file=out)
        return 1
    installed = [component for component in COMPONENTS if component.is_installed()]
    records = {component.name: read_pid_file(home.pid_path(component.name)) for component in installed}
    alive = {name: record for name, record in records.items() if record is not None and is_running(record)}
    usage = sample_usage({name: record.pid for name, record in alive.items()})
    all_healthy = True
    print(f"{'COMPONENT':<20} {'PID':<8} {'PROCESS':<9} {'CPU':>6} {'RSS':>6}  HEALTH", file=out)
    for component in COMPONENTS:
        if not component.is_installed():
            print(f"{component.name:<20} {'-':<8} {'-':<9} {'-':>6} {'-':>6}  not installed", file=out)
            continue
        record = records[component.name]
        url = component.health_url(settings)
        probe = probe_health(url)
        pid_text = str(record.pid) if record is not None else "-"
        health = "ok" if probe.healthy else f"failing: {probe.detail}"
        cpu, rss = format_usage(usage.get(component.name))
        running = "running" if component.name in alive else "stopped"
        print(f"{component.name:<20} {pid_text:<8} {running:<9} {cpu:>6} {rss:>6}  {health} ({url})", file=out)
        all_healthy = all_healthy and component.name in alive and probe.healthy
    if usage:
        total_cpu = sum(u.cpu_percent for u in usage.values())
        total_rss = sum(u.rss_bytes for u in usage.values())
        print(
            f"{'total':<20} {'':<8} {'':<9} {total_cpu:>5.2f}% {total_rss / MEBIBYTE:>4.0f}MB"
            f"  (CPU: % of one core over a {SAMPLE_SECONDS:.0f} s sample; RSS: resident now)",
            file=out,
        )
    print(f"server: {settings.server_url}  kubeconfig: {home.kubeconfig_path}", file=out)
    if any(c.name == "dashboard" and c.is_installed() for c in COMPONENTS):
        print(f"dashboard: {settings.dashboard_url}", file=out)
    return 0 if all_healthy else 1
