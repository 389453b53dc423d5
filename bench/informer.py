"""Informer throughput against the raw watch stream it reads, measured in one run.

    write N ConfigMap events (creates, then updates) ──► apiserver watch window
    baseline: raw httpx stream from the pre-write resourceVersion, json-decode each line
    informer: the same stream through ApiClient.watch → store → indexes → no-op handlers

Both consumers replay the same backlog from the same resourceVersion on the
same apiserver, one after the other (order alternating) over several rounds
after one unmeasured warm-up pass; the
figure is events/s until the N-th event, and the summary is informer / raw
(target ≥ 0.8). Two in-process rows replay the captured lines without the
network to show the consumer's own capacity. The informer's initial list is replaced by "start at the
pre-write resourceVersion" so its *watch path* is what gets measured.

    .venv/bin/python bench/informer.py [--events 8000] [--rounds 3] [--server URL]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kubemini.api.registry import by_kind  # noqa: E402
from kubemini.client.api_client import ApiClient  # noqa: E402
from kubemini.client.informer import Informer  # noqa: E402
from kubemini.client.watching import decode_event  # noqa: E402
from tests.support.api_http import async_api_http  # noqa: E402

CONFIGMAP = by_kind("ConfigMap")
WRITE_CONCURRENCY = 32
ROUND_TIMEOUT_SECONDS = 120.0


class BacklogInformer(Informer):
    """An informer whose first list is "nothing yet, as of `start_rv`": it then watches from there."""

    def __init__(self, *args, start_rv: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.start_rv = start_rv

    async def _list_and_replace(self) -> None:
        self.resource_version = self.start_rv
        self.list_count += 1
        self._synced.set()


async def write_events(api: ApiClient, namespace: str, count: int) -> None:
    creates = count // 2
    names = [f"cm-{i}" for i in range(creates)]
    semaphore = asyncio.Semaphore(WRITE_CONCURRENCY)

    async def create(name: str) -> None:
        async with semaphore:
            body = {"metadata": {"name": name, "labels": {"bench": "informer"}}, "data": {"v": "0"}}
            await api.create(CONFIGMAP, body, namespace=namespace)

    async def update(name: str) -> None:
        async with semaphore:
            await api.patch(CONFIGMAP, name, {"data": {"v": "1"}}, namespace=namespace)

    await asyncio.gather(*(create(name) for name in names))
    await asyncio.gather(*(update(name) for name in names[: count - creates]))


async def raw_round(server: str, namespace: str, since: str, count: int, keep: list | None = None) -> float:
    params = {"watch": "true", "resourceVersion": since, "allowWatchBookmarks": "true"}
    seen = 0
    async with async_api_http(base_url=server, timeout=httpx.Timeout(30, read=None)) as http:
        started = time.perf_counter()
        async with http.stream("GET", CONFIGMAP.collection_path(namespace), params=params) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if line and json.loads(line)["type"] != "BOOKMARK":
                    seen += 1
                    if keep is not None:
                        keep.append(line)
                    if seen == count:
                        return count / (time.perf_counter() - started)
    raise RuntimeError(f"raw watch ended after {seen} of {count} events")


async def informer_round(server: str, namespace: str, since: str, count: int) -> float:
    delivered = 0
    done = asyncio.Event()

    def on_event(*_objects: dict) -> None:
        nonlocal delivered
        delivered += 1
        if delivered == count:
            done.set()

    async with ApiClient(server) as api:
        informer = BacklogInformer(api, CONFIGMAP, namespace=namespace, start_rv=since)
        informer.add_event_handler(on_add=on_event, on_update=on_event, on_delete=on_event)
        started = time.perf_counter()
        informer.start()
        try:
            await asyncio.wait_for(done.wait(), ROUND_TIMEOUT_SECONDS)
            elapsed = time.perf_counter() - started
        finally:
            await informer.stop()
    if len(informer.list()) != count // 2:
        raise RuntimeError(f"informer cached {len(informer.list())} objects, expected {count // 2}")
    return count / elapsed


async def in_process_rates(lines: list[str]) -> tuple[float, float]:
    """Consumer capacity without the network: decode only vs decode + store + handlers."""
    started = time.perf_counter()
    for line in lines:
        json.loads(line)
    decode_rate = len(lines) / (time.perf_counter() - started)
    informer = BacklogInformer(None, CONFIGMAP, start_rv="0")
    informer.add_event_handler(on_add=lambda obj: None, on_update=lambda old, new: None)
    started = time.perf_counter()
    for line in lines:
        await informer._handle_event(decode_event(line))
    return decode_rate, len(lines) / (time.perf_counter() - started)


async def measure(server: str, *, events: int, rounds: int) -> None:
    async with ApiClient(server) as api:
        namespace = f"bench-informer-{int(time.time())}"
        await api.create(by_kind("Namespace"), {"metadata": {"name": namespace}})
        since = (await api.list(CONFIGMAP, namespace=namespace))["metadata"]["resourceVersion"]
        started = time.perf_counter()
        await write_events(api, namespace, events)
        write_rate = events / (time.perf_counter() - started)
    # One unmeasured pass warms the apiserver's per-event JSON cache for both consumers alike.
    lines: list[str] = []
    await raw_round(server, namespace, since, events, keep=lines)
    decode_rate, apply_rate = await in_process_rates(lines)
    raw, informed = [], []
    for round_ in range(rounds):
        # Alternate who goes first so neither always reads right after the other.
        if round_ % 2:
            informed.append(await informer_round(server, namespace, since, events))
            raw.append(await raw_round(server, namespace, since, events))
        else:
            raw.append(await raw_round(server, namespace, since, events))
            informed.append(await informer_round(server, namespace, since, events))
    raw_rate, informer_rate = statistics.median(raw), statistics.median(informed)
    print(f"{'consumer':<40} {'events/s (median)':>18} {'rounds':>30}")
    print(f"{'writes (creates+patches, setup)':<40} {write_rate:>18.0f}")
    print(f"{'raw watch (httpx + json)':<40} {raw_rate:>18.0f} {' '.join(f'{r:.0f}' for r in raw):>30}")
    print(f"{'informer (store + handlers)':<40} {informer_rate:>18.0f} {' '.join(f'{r:.0f}' for r in informed):>30}")
    print(f"{'in-process: json decode only':<40} {decode_rate:>18.0f}")
    print(f"{'in-process: decode + store + handlers':<40} {apply_rate:>18.0f}")
    ratio = informer_rate / raw_rate
    verdict = "meets" if ratio >= 0.8 else "BELOW"
    print(f"informer/raw = {ratio:.2f} over {events} events x {rounds} rounds ({verdict} the 0.8 target)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=8000, help="watch events to replay (< the 10000 window)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", help="use this apiserver instead of starting etcd + apiserver")
    args = parser.parse_args()
    if args.server:
        asyncio.run(measure(args.server, events=args.events, rounds=args.rounds))
        return
    from tests.support.processes import ApiServer, EtcdServer

    with tempfile.TemporaryDirectory(prefix="bench-informer-") as scratch:
        etcd = EtcdServer(Path(scratch) / "etcd").start()
        try:
            apiserver = ApiServer(etcd.url, Path(scratch) / "apiserver.log").start()
            try:
                asyncio.run(measure(apiserver.url, events=args.events, rounds=args.rounds))
            finally:
                apiserver.stop()
        finally:
            etcd.stop()


if __name__ == "__main__":
    main()
