"""The proxy tests run on every event loop kube-proxy may run on: asyncio's and, when installed, uvloop
(which delivers data read before `pause_reading` took effect, a path asyncio's loop never takes)."""

from __future__ import annotations

import asyncio
import importlib.util

import pytest

ON_EVERY_LOOP = ("test_tcp_proxying.py", "test_udp_proxying.py")


@pytest.hookimpl(optionalhook=True)
def pytest_asyncio_loop_factories(config, item):
    factories = {"asyncio": asyncio.new_event_loop}
    if item.path.name in ON_EVERY_LOOP and importlib.util.find_spec("uvloop") is not None:
        import uvloop

        factories["uvloop"] = uvloop.new_event_loop
    return factories
