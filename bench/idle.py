"""The whole control plane idle: CPU and resident memory per component, against the issue-21 targets.

    .venv/bin/python bench/idle.py [--seconds 60] [--settle 20]

    `kubemini up` (the real CLI of this checkout) in a temporary home, every port free, HOME temporary too
      → wait --settle seconds (start-up work, first resyncs and leader elections done)
      → /proc snapshot of every process of the cluster (each component's session and descendants,
        etcd included) and of a bare etcd started beside it, --seconds of idling, another snapshot
      → per component: CPU (utime + stime delta) as % of one core, RSS at the end and its peak
      → `kubemini down --purge`, whatever happened

Targets: the whole control plane < 1 % of one core and < 300 MB resident including etcd.
Baseline (the floor): a bare etcd with no clients, idle in the same window, and the cluster's own
etcd row. RSS is summed per process (shared pages counted in each): an upper bound. The machine's
load average is printed: a shared machine steals cycles but does not add to these processes' CPU time.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubemini.cli.components import COMPONENTS  # noqa: E402
from kubemini.cli.pidfiles import read_pid_file  # noqa: E402
from kubemini.cli.process_usage import Snapshot, cpu_seconds, take_snapshot, tree_pids, tree_usage  # noqa: E402
from kubemini.cli.settings import DEFAULT_PORTS  # noqa: E402
from tests.support.ports import free_ports  # noqa: E402
from tests.support.processes import EtcdServer  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
CPU_TARGET_PERCENT = 1.0
RSS_TARGET_MB = 300.0
RSS_SAMPLE_SECONDS = 5.0
MEBIBYTE = 1024 * 1024


def up_arguments() -> list[str]:
    names = sorted(DEFAULT_PORTS)
    ports = dict(zip(names, free_ports(len(names)), strict=True))
    overrides = [f"--component-port={name}={port}" for name, port in ports.items()]
    return ["up", "--no-user-kubeconfig", *overrides]


def kubemini(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kubemini.cli.main", *args],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )


def leaders(home: Path) -> dict[str, int]:
    found = {}
    for component in COMPONENTS:
        record = read_pid_file(home / "run" / f"{component.name}.pid")
        if record is not None:
            found[component.name] = record.pid
    return found


def measure(groups: dict[str, int], seconds: float) -> tuple[Snapshot, Snapshot, dict[str, int]]:
    """Snapshots at both ends of the window, and the peak RSS per group seen every few seconds."""
    before = take_snapshot()
    peak = {name: tree_usage(pid, before).rss_bytes for name, pid in groups.items()}
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        time.sleep(min(RSS_SAMPLE_SECONDS, left))
        now = take_snapshot()
        for name, pid in groups.items():
            peak[name] = max(peak[name], tree_usage(pid, now).rss_bytes)
    return before, take_snapshot(), peak


def report(groups: dict[str, int], before: Snapshot, after: Snapshot, peak: dict[str, int]) -> None:
    elapsed = after.taken_at - before.taken_at
    print(f"{'component':<20} {'procs':>5} {'CPU s':>7} {'% core':>7} {'RSS MB':>7} {'peak MB':>8}")
    totals = [0.0, 0, 0]
    for name, pid in groups.items():
        pids = tree_pids(pid, after.processes)
        used = cpu_seconds(before, after, pids)
        rss = tree_usage(pid, after).rss_bytes
        print(
            f"{name:<20} {len(pids):>5} {used:>7.2f} {100 * used / elapsed:>6.2f}% "
            f"{rss / MEBIBYTE:>7.1f} {peak[name] / MEBIBYTE:>8.1f}"
        )
        if name != "bare etcd (floor)":
            totals = [totals[0] + used, totals[1] + rss, totals[2] + peak[name]]
    cpu_percent = 100 * totals[0] / elapsed
    rss_mb = totals[1] / MEBIBYTE
    print(
        f"{'control plane':<20} {'':>5} {totals[0]:>7.2f} {cpu_percent:>6.2f}% {rss_mb:>7.1f} "
        f"{totals[2] / MEBIBYTE:>8.1f}"
    )
    verdict = [
        f"CPU {cpu_percent:.2f}% of one core = {cpu_percent / CPU_TARGET_PERCENT:.2f}x the < {CPU_TARGET_PERCENT:.0f}% "
        f"target ({'met' if cpu_percent < CPU_TARGET_PERCENT else 'MISSED'})",
        f"RSS {rss_mb:.0f} MB = {rss_mb / RSS_TARGET_MB:.2f}x the < {RSS_TARGET_MB:.0f} MB "
        f"target ({'met' if rss_mb < RSS_TARGET_MB else 'MISSED'})",
    ]
    print(f"summary over {elapsed:.1f} s idle: " + "; ".join(verdict))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the measured idle window")
    parser.add_argument("--settle", type=float, default=20.0, help="seconds to wait after `up` before measuring")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubemini-idle-") as scratch:
        root = Path(scratch)
        home = root / "home"
        env = dict(os.environ)
        env.pop("KUBECONFIG", None)
        # This checkout's CLI and components, whatever the venv has installed.
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        env.update(KUBEMINI_HOME=str(home), HOME=str(root / "user"), KUBEMINI_NODE_NAME=f"idle-{os.getpid()}")
        (root / "user").mkdir()
        bare = EtcdServer(root / "bare-etcd")
        try:
            started = time.monotonic()
            up = kubemini(env, *up_arguments())
            if up.returncode != 0:
                print(up.stdout, up.stderr, sep="\n", file=sys.stderr)
                return 1
            print(f"kubemini up in {time.monotonic() - started:.1f} s; settling {args.settle:.0f} s")
            bare.start()
            time.sleep(args.settle)
            groups = {**leaders(home), "bare etcd (floor)": bare.process.pid}
            load_before = os.getloadavg()
            before, after, peak = measure(groups, args.seconds)
            load_after = os.getloadavg()
            report(groups, before, after, peak)
            print(
                "load average (1/5/15 min): before "
                + "/".join(f"{x:.2f}" for x in load_before)
                + ", after "
                + "/".join(f"{x:.2f}" for x in load_after)
                + f" on {os.cpu_count()} cores"
            )
            print("--- kubemini status (a 1 s sample, after the window) ---")
            status = kubemini(env, "status")
            print(status.stdout + status.stderr, end="")
        finally:
            with contextlib.suppress(Exception):
                bare.stop()
            down = kubemini(env, "down", "--purge")
            if down.returncode != 0:
                print(down.stdout, down.stderr, sep="\n", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
