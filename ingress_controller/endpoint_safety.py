"""Where the proxy may send traffic: pod IPs on this machine, never anywhere else.

Endpoints come from EndpointSlices anyone with API access can write, so an
address is only used when it is loopback (tests, hand-made slices) or private
(the project's Docker network, 172.16.0.0/12 and friends). Anything else is
dropped from the routing table as if the endpoint were not ready.
"""

from __future__ import annotations

import ipaddress


def address_allowed(address: str) -> bool:
    try:
        ip = ipaddress.IPv4Address(address)
    except ValueError:
        return False
    if ip.is_unspecified or ip.is_multicast or ip.is_link_local:
        return False
    return ip.is_loopback or ip.is_private
