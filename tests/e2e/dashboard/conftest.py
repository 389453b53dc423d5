"""A whole cluster with the dashboard for the package's tests, a headless Chromium (Debian's) driven by Playwright.

Screenshots go to tests/artifacts/dashboard/ (ignored by git), one per step of the flow.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.dashboard.cluster import DashboardCluster

CHROMIUM = os.environ.get("KUBEMINI_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS_DIR = Path(__file__).resolve().parents[2] / "artifacts" / "dashboard"


@pytest.fixture(scope="package")
def cluster(tmp_path_factory):
    running = DashboardCluster(tmp_path_factory.mktemp("dashboard-cluster"))
    try:
        yield running.start()
    finally:
        running.stop()


@pytest.fixture
def artifacts(request) -> Path:
    directory = ARTIFACTS_DIR / request.node.name
    directory.mkdir(parents=True, exist_ok=True)
    print(f"screenshots: {directory}")
    return directory


@pytest.fixture(scope="package")
def browser():
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()
