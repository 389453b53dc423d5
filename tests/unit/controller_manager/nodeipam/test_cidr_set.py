"""The pod CIDR set: allocation order, occupying existing CIDRs, release, exhaustion, bad ranges."""

from __future__ import annotations

import pytest

from controller_manager.nodeipam.cidr_set import CidrExhausted, CidrSet, CidrSetError


def test_allocates_consecutive_subnets_of_the_mask_size():
    cidrs = CidrSet("10.244.0.0/16", mask_size=24)
    assert [cidrs.allocate_next() for _ in range(3)] == ["10.244.0.0/24", "10.244.1.0/24", "10.244.2.0/24"]
    assert cidrs.max_subnets == 256


def test_occupied_cidrs_are_skipped():
    cidrs = CidrSet("10.244.0.0/16", mask_size=24)
    cidrs.occupy("10.244.0.0/24")
    cidrs.occupy("10.244.2.0/24")
    assert cidrs.allocate_next() == "10.244.1.0/24"
    assert cidrs.allocate_next() == "10.244.3.0/24"


def test_a_wider_cidr_occupies_every_subnet_it_covers():
    cidrs = CidrSet("10.244.0.0/16", mask_size=24)
    cidrs.occupy("10.244.0.0/23")
    assert cidrs.allocate_next() == "10.244.2.0/24"


def test_released_cidr_is_not_reused_before_the_others_rotate_round():
    cidrs = CidrSet("10.0.0.0/30", mask_size=31)
    first, second = cidrs.allocate_next(), cidrs.allocate_next()
    assert (first, second) == ("10.0.0.0/31", "10.0.0.2/31")
    cidrs.release(first)
    assert cidrs.allocate_next() == "10.0.0.0/31"  # the only one free
    with pytest.raises(CidrExhausted, match="no remaining CIDRs left to allocate in the accepted range"):
        cidrs.allocate_next()


def test_exhaustion_then_release_frees_one():
    cidrs = CidrSet("10.244.0.0/23", mask_size=24)
    taken = [cidrs.allocate_next(), cidrs.allocate_next()]
    with pytest.raises(CidrExhausted):
        cidrs.allocate_next()
    cidrs.release(taken[1])
    assert cidrs.allocate_next() == taken[1]


def test_out_of_range_cidr_is_refused():
    cidrs = CidrSet("10.244.0.0/16", mask_size=24)
    with pytest.raises(CidrSetError, match="out of the range"):
        cidrs.occupy("192.168.0.0/24")


@pytest.mark.parametrize(("cluster", "mask"), [("10.244.0.0/16", 8), ("10.0.0.0/8", 25), ("10.244.0.0/16", 33)])
def test_bad_mask_sizes_are_refused(cluster, mask):
    with pytest.raises(CidrSetError):
        CidrSet(cluster, mask_size=mask)


def test_ipv6_cluster_cidr():
    cidrs = CidrSet("fd00:10:244::/56", mask_size=64)
    assert cidrs.allocate_next() == "fd00:10:244::/64"
    assert cidrs.allocate_next() == "fd00:10:244:1::/64"
