"""The dashboard as a user sees it, in a real browser against a real cluster, without a reload:

    log in ──► `:deploy` ──► a Deployment goes 0/3 ──► 3/3 ──► `j`, `s`: scaled to 5 in the dialog ──► 5/5
    ──► `:pods` ──► a crash-looping pod turns red, its restart count rising ──► its page: the log tail
    ──► Esc, `4`: a Service's endpoints ──► `5`: the event stream ──► `1`: the overview, the node's CPU
    requested by the pods and used (metrics.k8s.io)
Every row value the page ever showed is recorded by a MutationObserver installed once, so the
test sees the intermediate states (0/3) however fast the cluster is, and a marker on `window`
proves the page was never reloaded. A screenshot is saved at each step.
"""

from __future__ import annotations

import pytest

from tests.support.api_http import api_http

NAMESPACE = "dash-e2e"
STEP_TIMEOUT_MS = 30_000

RECORDER = """
() => {
  window.__notReloaded = true;
  window.__seen = [];
  new MutationObserver(() => {
    const cells = document.querySelectorAll("tr[data-key] td[data-col=ready], tr[data-key] td[data-col=restarts]");
    for (const cell of cells) {
      const row = cell.closest("tr");
      const entry = `${row.dataset.key}|${cell.dataset.col}|${cell.textContent}`;
      if (!window.__seen.includes(entry)) window.__seen.push(entry);
    }
  }).observe(document.getElementById("main"), { childList: true, subtree: true, characterData: true });
}
"""


def deployment(name: str, replicas: int) -> dict:
    labels = {"app": name}
    container = {
        "name": "main",
        "image": "kubemini/busybox:1.35",
        "command": ["sleep", "3600"],
        "resources": {"requests": {"cpu": "100m", "memory": "16Mi"}},
    }
    template = {"metadata": {"labels": labels}, "spec": {"terminationGracePeriodSeconds": 1, "containers": [container]}}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": labels}, "template": template},
    }


def crashing_pod(name: str) -> dict:
    script = "echo crash-run-$(date +%s); sleep 0.5; exit 3"
    container = {"name": "main", "image": "kubemini/busybox:1.35", "command": ["sh", "-c", script]}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"terminationGracePeriodSeconds": 1, "containers": [container]},
    }


def seen(page, key: str, column: str) -> list[str]:
    return [e.split("|", 2)[2] for e in page.evaluate("window.__seen") if e.startswith(f"{key}|{column}|")]


@pytest.mark.timeout(180)
def test_rollout_scale_and_crash_loop_live_in_the_browser(cluster, browser, artifacts):
    api = api_http(base_url=cluster.url, timeout=15)
    token = cluster.admin_token()
    api.post("/api/v1/namespaces", json={"metadata": {"name": NAMESPACE}}).raise_for_status()
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.set_default_timeout(STEP_TIMEOUT_MS)

    page.goto(cluster.dashboard_url)
    page.fill("#token", token)
    page.press("#token", "Enter")
    page.wait_for_selector("#nav a[aria-current=page][data-page=overview]")
    page.wait_for_selector(f"tr[data-key='{cluster.node}']")
    page.screenshot(path=artifacts / "1-overview.png", full_page=True)

    page.wait_for_selector(f"#namespace option[value='{NAMESPACE}']", state="attached")
    page.select_option("#namespace", NAMESPACE)
    page.keyboard.press(":")
    page.fill("#command-input", "deploy")
    page.press("#command-input", "Enter")
    page.wait_for_selector("#nav a[aria-current=page][data-page=workloads]")
    page.wait_for_selector("section[data-feed=deployments] .empty")
    page.evaluate(RECORDER)

    api.post(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments", json=deployment("web", 3)).raise_for_status()
    ready = f"section[data-feed=deployments] tr[data-key='{NAMESPACE}/web'] td[data-col=ready]"
    page.wait_for_selector(f"{ready}:text-is('3/3')")
    page.screenshot(path=artifacts / "2-deployment-3-of-3.png", full_page=True)
    shown = seen(page, f"{NAMESPACE}/web", "ready")
    assert shown[0] == "0/3" and shown[-1] == "3/3", shown

    # Scale from the keyboard, as in k9s: `/` is the filter, Esc leaves it, j to the row, s, the count, Enter.
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.dataset.filter") == "1"
    page.keyboard.press("Escape")
    page.focus("main")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.dataset.key") == f"{NAMESPACE}/web"
    page.keyboard.press("s")
    page.wait_for_selector("#confirm[open]")
    page.fill("#confirm-input", "5")
    page.screenshot(path=artifacts / "3-scale-dialog.png")
    page.press("#confirm-input", "Enter")
    page.wait_for_selector(f"{ready}:text-is('5/5')")
    page.screenshot(path=artifacts / "4-deployment-5-of-5.png", full_page=True)
    assert api.get(f"/apis/apps/v1/namespaces/{NAMESPACE}/deployments/web").json()["spec"]["replicas"] == 5

    api.post(f"/api/v1/namespaces/{NAMESPACE}/pods", json=crashing_pod("crasher")).raise_for_status()
    page.keyboard.press(":")
    page.fill("#command-input", "pods")
    page.press("#command-input", "Enter")
    row = f"tr[data-key='{NAMESPACE}/crasher']"
    page.wait_for_function(
        """([row]) => {
          const tr = document.querySelector(row);
          const restarts = tr && Number(tr.querySelector("td[data-col=restarts]").textContent);
          return tr && tr.classList.contains("health-bad") && restarts >= 2;
        }""",
        arg=[row],
    )
    page.screenshot(path=artifacts / "5-crash-loop-red.png", full_page=True)
    restarts = [int(text) for text in seen(page, f"{NAMESPACE}/crasher", "restarts")]
    assert restarts == sorted(restarts) and len(set(restarts)) >= 2, restarts

    page.focus(row)
    page.keyboard.press("Enter")
    page.wait_for_selector("#log-tail:has-text('crash-run-')")
    # The tail follows the container across restarts: a later run's line arrives without a reload.
    page.wait_for_function("() => document.getElementById('log-tail').textContent.split('crash-run-').length > 2")
    page.wait_for_selector("#yaml:has-text('name: crasher')")
    page.screenshot(path=artifacts / "6-pod-log-tail.png", full_page=True)

    # A Service over the 5 pods: its EndpointSlice's addresses appear on the Services page; the event
    # stream has the crash loop's BackOff warnings.
    service = {"metadata": {"name": "web"}, "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    api.post(f"/api/v1/namespaces/{NAMESPACE}/services", json=service).raise_for_status()
    page.keyboard.press("Escape")
    page.keyboard.press("4")
    page.wait_for_function(
        "(key) => document.querySelectorAll(`tr[data-key='${key}'] td[data-col=endpoints] .chip`).length === 5",
        arg=f"{NAMESPACE}/web",
    )
    page.screenshot(path=artifacts / "7-service-endpoints.png", full_page=True)
    page.keyboard.press("5")
    page.wait_for_selector("#events tr:has(td[data-col=reason]:text-is('BackOff'))")
    page.screenshot(path=artifacts / "8-event-stream.png", full_page=True)

    # Back to the overview by its key: the node's bar sums the requests of the 5 web pods, and the
    # metrics API's usage appears once metrics-server has two readings.
    page.keyboard.press("1")
    cpu = f"tr[data-key='{cluster.node}'] td[data-col=cpu]"
    page.wait_for_selector(f"{cpu}:has-text('500m requested of')")
    page.wait_for_selector(f"{cpu}:has-text('used')")
    page.wait_for_selector(".tile[data-phase=Running] strong:text-is('6')")  # the crasher's phase is Running too
    page.wait_for_selector(".tile[data-phase=Crashing] strong:text-is('1')")
    page.keyboard.press("/")  # the overview has no filter: nothing to focus, nothing breaks
    page.screenshot(path=artifacts / "9-overview-requests-and-usage.png", full_page=True)

    assert page.evaluate("window.__notReloaded") is True
    assert errors == []
    page.close()
