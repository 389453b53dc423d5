"""A fresh pair of node namespaces per test, removed whatever the test's outcome."""

from __future__ import annotations

import pytest

from tests.support.netns import Topology


@pytest.fixture
def topology():
    net = Topology()
    try:
        yield net.build()
    finally:
        net.remove()
