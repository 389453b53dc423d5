"""Turning one DNS query (wire bytes) into the answer (wire bytes), with dnslib.

    query bytes ──► parse (garbage: no answer at all)
        not a single standard query        ──► NOTIMP / FORMERR
        name outside the cluster domain    ──► NXDOMAIN, not authoritative (nothing is ever forwarded
                                               off the node: such a name does not exist here)
        name unknown in the cluster domain ──► NXDOMAIN + the zone's SOA (negative caching)
        name known, no record of that type ──► NOERROR, empty answer + SOA (e.g. AAAA)
        else                               ──► A / CNAME / SRV answers, TTL DNS_TTL_SECONDS
    answer over `max_size` (UDP: 512 bytes) ──► answers dropped, TC set: the client retries on TCP

Pure: the records come from a `resolve(name)` callable, so answers are tested without sockets.
"""

from __future__ import annotations

from collections.abc import Callable

from dnslib import CNAME, OPCODE, QTYPE, RCODE, RR, SOA, SRV, A, DNSError, DNSRecord

from kube_proxy.dns_records import DEFAULT_CLUSTER_DOMAIN, NameRecords

DNS_TTL_SECONDS = 5
UDP_MAX_ANSWER_BYTES = 512
# SOA timers (refresh, retry, expire, minimum = negative-caching TTL), as CoreDNS' kubernetes plugin uses.
SOA_TIMERS_SECONDS = (7200, 1800, 86400, DNS_TTL_SECONDS)

Resolver = Callable[[str], NameRecords | None]


def _soa(domain: str) -> RR:
    return RR(
        domain,
        QTYPE.SOA,
        ttl=DNS_TTL_SECONDS,
        rdata=SOA(f"ns.dns.{domain}", f"hostmaster.{domain}", (1, *SOA_TIMERS_SECONDS)),
    )


def _add_answers(reply: DNSRecord, records: NameRecords, *, qname: object, qtype: int) -> None:
    if records.cname:
        # A CNAME answers every type; we never chase it off the cluster domain.
        reply.add_answer(RR(qname, QTYPE.CNAME, ttl=DNS_TTL_SECONDS, rdata=CNAME(records.cname)))
        return
    if qtype in (QTYPE.A, QTYPE.ANY):
        for address in records.addresses:
            reply.add_answer(RR(qname, QTYPE.A, ttl=DNS_TTL_SECONDS, rdata=A(address)))
    if qtype in (QTYPE.SRV, QTYPE.ANY):
        for entry in records.services:
            rdata = SRV(priority=entry.priority, weight=entry.weight, port=entry.port, target=entry.target)
            reply.add_answer(RR(qname, QTYPE.SRV, ttl=DNS_TTL_SECONDS, rdata=rdata))


def _fit(reply: DNSRecord, max_size: int | None) -> bytes:
    packed = reply.pack()
    if max_size is None or len(packed) <= max_size:
        return packed
    reply.rr, reply.auth, reply.ar = [], [], []
    reply.header.tc = 1
    return reply.pack()


def answer_query(
    data: bytes,
    *,
    resolve: Resolver,
    domain: str = DEFAULT_CLUSTER_DOMAIN,
    max_size: int | None = UDP_MAX_ANSWER_BYTES,
) -> tuple[bytes, str] | None:
    """(answer bytes, response code name), or None when `data` is not a DNS message at all."""
    try:
        request = DNSRecord.parse(data)
    except (DNSError, ValueError, IndexError):
        return None
    if request.header.qr:
        return None  # an answer sent to us: never reply to a reply
    reply = request.reply(ra=0, aa=1)
    if request.header.opcode != OPCODE.QUERY:
        reply.header.rcode = RCODE.NOTIMP
    elif len(request.questions) != 1:
        reply.header.rcode = RCODE.FORMERR
    else:
        question = request.q
        records = resolve(str(question.qname))
        if records is None:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.header.aa = 0
        elif not records.exists:
            reply.header.rcode = RCODE.NXDOMAIN
            reply.add_auth(_soa(domain))
        else:
            _add_answers(reply, records, qname=question.qname, qtype=question.qtype)
            if not reply.rr:
                reply.add_auth(_soa(domain))
    return _fit(reply, max_size), RCODE.get(reply.header.rcode)
