"""Running one probe or lifecycle-hook action: exec, httpGet, tcpSocket, sleep.

    probe spec + container record + pod IP ──► (success?, message)

Network actions only ever go to the pod's own IP (a container of this project,
on its own Docker network) or to loopback: a `host` naming anything else fails
the probe instead of sending traffic off the machine. With the fake runtime
the pod IPs are invented, so network actions succeed without being sent.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from kubelet.runtime import ContainerRecord, ContainerRuntime

HTTP_SUCCESS_MIN, HTTP_SUCCESS_MAX = 200, 400
MAX_MESSAGE_CHARACTERS = 200


@dataclass(frozen=True)
class ProbeOutcome:
    success: bool
    message: str = ""


def resolve_port(port: Any, container: Mapping[str, Any]) -> int:
    """A probe port: a number, or the name of one of the container's ports."""
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    for declared in container.get("ports") or []:
        if declared.get("name") == port:
            return int(declared["containerPort"])
    raise ValueError(f"port {port!r} is not a number or the name of a container port")


def allowed_target(host: str, pod_ip: str | None) -> bool:
    if pod_ip and host == pod_ip:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


async def run_action(
    action: Mapping[str, Any],
    *,
    runtime: ContainerRuntime,
    record: ContainerRecord,
    container: Mapping[str, Any],
    pod_ip: str | None,
    timeout_seconds: float,
) -> ProbeOutcome:
    if "exec" in action:
        command = list((action.get("exec") or {}).get("command") or [])
        try:
            result = await runtime.exec_in_container(record.id, command, timeout_seconds=timeout_seconds)
        except Exception as error:  # noqa: BLE001 - a runtime hiccup is a failed probe, not a crash
            return ProbeOutcome(False, f"exec failed: {error}")
        output = result.output.strip()[:MAX_MESSAGE_CHARACTERS]
        if result.exit_code == 0:
            return ProbeOutcome(True, output)
        detail = f": {output}" if output else ""
        return ProbeOutcome(False, f"command {command!r} exited with {result.exit_code}{detail}")
    if "httpGet" in action:
        return await _http_get(
            action["httpGet"], runtime, container=container, pod_ip=pod_ip, timeout_seconds=timeout_seconds
        )
    if "tcpSocket" in action:
        return await _tcp_connect(
            action["tcpSocket"], runtime, container=container, pod_ip=pod_ip, timeout_seconds=timeout_seconds
        )
    if "sleep" in action:
        await asyncio.sleep(float((action.get("sleep") or {}).get("seconds") or 0))
        return ProbeOutcome(True)
    return ProbeOutcome(False, f"unsupported action {sorted(action)}")


def _target(spec: Mapping[str, Any], container: Mapping[str, Any], *, pod_ip: str | None) -> tuple[str, int]:
    host = spec.get("host") or pod_ip or ""
    port = resolve_port(spec.get("port"), container)
    if not allowed_target(host, pod_ip):
        raise ValueError(f"host {host!r} is neither the pod IP nor loopback (kubemini never probes other addresses)")
    return host, port


async def _http_get(
    spec: Mapping[str, Any],
    runtime: ContainerRuntime,
    *,
    container: Mapping[str, Any],
    pod_ip: str | None,
    timeout_seconds: float,
) -> ProbeOutcome:
    try:
        host, port = _target(spec, container, pod_ip=pod_ip)
    except ValueError as error:
        return ProbeOutcome(False, str(error))
    if not runtime.network_probes:
        return ProbeOutcome(True)
    scheme = str(spec.get("scheme") or "HTTP").lower()
    path = spec.get("path") or "/"
    url = f"{scheme}://{host}:{port}{path if path.startswith('/') else '/' + path}"
    headers = {h["name"]: h.get("value", "") for h in spec.get("httpHeaders") or [] if h.get("name")}
    headers.setdefault("User-Agent", "kube-probe/1.35")
    try:
        async with httpx.AsyncClient(verify=False, timeout=timeout_seconds, trust_env=False) as http:
            response = await http.get(url, headers=headers)
    except httpx.HTTPError as error:
        return ProbeOutcome(False, f'Get "{url}": {type(error).__name__}: {error}')
    if HTTP_SUCCESS_MIN <= response.status_code < HTTP_SUCCESS_MAX:
        return ProbeOutcome(True)
    return ProbeOutcome(False, f"HTTP probe failed with statuscode: {response.status_code}")


async def _tcp_connect(
    spec: Mapping[str, Any],
    runtime: ContainerRuntime,
    *,
    container: Mapping[str, Any],
    pod_ip: str | None,
    timeout_seconds: float,
) -> ProbeOutcome:
    try:
        host, port = _target(spec, container, pod_ip=pod_ip)
    except ValueError as error:
        return ProbeOutcome(False, str(error))
    if not runtime.network_probes:
        return ProbeOutcome(True)
    try:
        _reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout_seconds)
    except (OSError, TimeoutError) as error:
        return ProbeOutcome(False, f"dial tcp {host}:{port}: {error or 'i/o timeout'}")
    writer.close()
    return ProbeOutcome(True)
