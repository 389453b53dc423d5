"""The pod CIDRs of one cluster CIDR, as upstream's cidrset: which /N subnets are taken (pure).

    CidrSet("10.244.0.0/16", mask_size=24)
        occupy(cidr)  ──► its subnets marked taken (a Node that already has one; a bigger or smaller
                          CIDR takes every subnet it overlaps)
        allocate_next ──► the first free subnet from a rotating candidate, so a CIDR just released
                          is not handed out again at once
        release(cidr) ──► its subnets free again
A cluster CIDR of /16 and mask size /24 has 256 subnets: 256 nodes.
"""

from __future__ import annotations

import ipaddress

from kubemini.api.pod_cidrs import IPNetwork

MAX_SUBNET_BITS = 16  # upstream refuses a cluster CIDR split into more than 2^16 node CIDRs


class CidrSetError(ValueError):
    pass


class CidrExhausted(CidrSetError):
    pass


class CidrSet:
    def __init__(self, cluster_cidr: str, *, mask_size: int):
        self.cluster = ipaddress.ip_network(cluster_cidr, strict=True)
        if not self.cluster.prefixlen <= mask_size <= self.cluster.max_prefixlen:
            raise CidrSetError(
                f"--node-cidr-mask-size {mask_size} must lie between the cluster CIDR's prefix "
                f"{self.cluster.prefixlen} and {self.cluster.max_prefixlen}"
            )
        if mask_size - self.cluster.prefixlen > MAX_SUBNET_BITS:
            raise CidrSetError(
                f"subnet mask size is too big for the cluster CIDR {cluster_cidr}: "
                f"the difference must be at most {MAX_SUBNET_BITS}"
            )
        self.mask_size = mask_size
        self.max_subnets = 1 << (mask_size - self.cluster.prefixlen)
        self._step = 1 << (self.cluster.max_prefixlen - mask_size)
        self._used: set[int] = set()
        self._next_candidate = 0

    @property
    def used_count(self) -> int:
        return len(self._used)

    def subnet(self, index: int) -> IPNetwork:
        address = self.cluster.network_address + index * self._step
        return ipaddress.ip_network(f"{address}/{self.mask_size}")

    def _indices(self, cidr: str) -> range:
        network = ipaddress.ip_network(cidr, strict=False)
        if network.version != self.cluster.version or not self.cluster.overlaps(network):
            raise CidrSetError(f"cidr {cidr} is out of the range of the cluster CIDR {self.cluster}")
        if network.prefixlen < self.cluster.prefixlen:
            network = self.cluster
        base = int(self.cluster.network_address)
        first = (int(network.network_address) - base) // self._step
        last = (int(network.broadcast_address) - base) // self._step
        return range(first, last + 1)

    def occupy(self, cidr: str) -> None:
        self._used.update(self._indices(cidr))

    def release(self, cidr: str) -> None:
        self._used.difference_update(self._indices(cidr))

    def allocate_next(self) -> str:
        for offset in range(self.max_subnets):
            index = (self._next_candidate + offset) % self.max_subnets
            if index not in self._used:
                self._used.add(index)
                self._next_candidate = (index + 1) % self.max_subnets
                return str(self.subnet(index))
        raise CidrExhausted(
            "CIDR allocation failed; there are no remaining CIDRs left to allocate in the accepted range"
        )
