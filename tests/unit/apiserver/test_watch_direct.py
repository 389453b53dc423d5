"""Direct watch writes: an event goes straight to an idle watch's connection, in order, or to its queue."""

from __future__ import annotations

from dataclasses import dataclass, field

from apiserver.storage.watch_cache import CacheEvent, WatchCache, Watcher
from apiserver.watch_direct import WatchLine

INTERVAL = 0.02


@dataclass
class Flow:
    write_paused: bool = False


@dataclass
class Transport:
    written: list[bytes] = field(default_factory=list)

    def write(self, data: bytes) -> None:
        self.written.append(data)


@dataclass
class Cycle:
    """The attributes of uvicorn's RequestResponseCycle that a direct write reads."""

    transport: Transport = field(default_factory=Transport)
    flow: Flow = field(default_factory=Flow)
    chunked_encoding: bool = True
    disconnected: bool = False
    response_complete: bool = False

    async def send(self, message) -> None:  # pragma: no cover - only its __self__ is used
        raise AssertionError("not called")


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def encode(event_type: str, event: CacheEvent, chunk: list[bytes]) -> None:
    chunk.append(b'{"type":"%b","rv":%d}\n' % (event_type.encode(), event.revision))


def event(revision: int) -> CacheEvent:
    return CacheEvent("MODIFIED", "/registry/configmaps/ns/a", {"metadata": {"name": "a"}}, None, revision, None)


def parked_line() -> tuple[WatchLine, Cycle, Clock]:
    clock, cycle = Clock(), Cycle()
    line = WatchLine(INTERVAL, clock)
    line.attach(cycle.send, encode)
    line.parked = True
    return line, cycle, clock


def test_a_parked_watch_gets_the_event_as_one_http_chunk():
    line, cycle, _ = parked_line()
    assert line.try_write("MODIFIED", event(5))
    body = b'{"type":"MODIFIED","rv":5}\n'
    assert cycle.transport.written == [b"%x\r\n%b\r\n" % (len(body), body)]
    assert line.last_revision == 5


def test_a_busy_stream_or_connection_refuses_and_the_event_is_left_to_the_queue():
    line, cycle, clock = parked_line()
    assert line.try_write("MODIFIED", event(5))
    assert not line.try_write("MODIFIED", event(6)), "within the write interval: batched by the stream task"
    clock.now += INTERVAL
    assert not line.try_write("MODIFIED", event(5)), "a revision already written is never written again"
    for blocked in ("parked", "flow", "disconnected", "response_complete"):
        line, cycle, _ = parked_line()
        if blocked == "parked":
            line.parked = False
        elif blocked == "flow":
            cycle.flow.write_paused = True
        else:
            setattr(cycle, blocked, True)
        assert not line.try_write("MODIFIED", event(7)), blocked
        assert cycle.transport.written == [], blocked


def test_a_send_that_is_not_uvicorns_cycle_never_writes_directly():
    line = WatchLine(INTERVAL, Clock())

    async def plain_send(message) -> None:  # pragma: no cover - never called
        raise AssertionError("not called")

    line.attach(plain_send, encode)
    line.parked = True
    assert not line.try_write("MODIFIED", event(3))


def test_the_fan_out_writes_directly_only_while_nothing_is_queued():
    line, cycle, clock = parked_line()
    watcher = Watcher(lambda obj: True, bookmarks=False)
    watcher.deliver = line.try_write
    cache = WatchCache(store=None, resource=None)
    cache.watchers.add(watcher)

    cache._dispatch(event(1))  # noqa: SLF001
    assert len(cycle.transport.written) == 1 and watcher.queue.empty()
    cache._dispatch(event(2))  # noqa: SLF001 - within the interval: queued
    clock.now += INTERVAL
    cache._dispatch(event(3))  # noqa: SLF001 - the queue holds 2: 3 must follow it there
    assert len(cycle.transport.written) == 1
    assert [item[1].revision for item in (watcher.queue.get_nowait(), watcher.queue.get_nowait())] == [2, 3]


def test_an_event_that_fails_to_encode_is_left_to_the_queue_and_the_fan_out_goes_on():
    def failing(event_type: str, event: CacheEvent, chunk: list[bytes]) -> None:
        raise ValueError("cannot encode")

    broken_cycle = Cycle()
    broken = WatchLine(INTERVAL, Clock())
    broken.attach(broken_cycle.send, failing)
    broken.parked = True
    healthy, healthy_cycle, _ = parked_line()
    cache = WatchCache(store=None, resource=None)
    watchers = []
    for line in (broken, healthy):
        watcher = Watcher(lambda obj: True, bookmarks=False)
        watcher.deliver = line.try_write
        cache.watchers.add(watcher)
        watchers.append(watcher)

    cache._dispatch(event(4))  # noqa: SLF001
    assert broken_cycle.transport.written == []
    assert watchers[0].queue.get_nowait()[1].revision == 4, "its stream task meets the error, for this watch only"
    assert len(healthy_cycle.transport.written) == 1 and watchers[1].queue.empty()
