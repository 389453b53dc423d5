"""The wire formats of streaming: channel frames and statuses, Docker's multiplexed stream, SPDY/3.1 frames."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from kubelet.streaming.channels import (
    EXEC_PROTOCOLS,
    PORT_FORWARD_PROTOCOLS,
    SPDY_TUNNEL,
    V4,
    V5,
    choose_protocol,
    closed_channel,
    exit_status,
    parse_message,
    parse_resize,
    status_frame,
)
from kubelet.streaming.spdy import DICTIONARY, Data, Ping, RstStream, SpdyError, SpdyReader, SpdyWriter, SynStream
from kubelet.streaming.stream_demux import Demultiplexer


@pytest.mark.parametrize(
    ("offered", "supported", "chosen"),
    [
        ([V5, V4, "v3.channel.k8s.io", "channel.k8s.io"], EXEC_PROTOCOLS, V5),
        ([V4], EXEC_PROTOCOLS, V4),
        (["channel.k8s.io"], EXEC_PROTOCOLS, None),
        ([SPDY_TUNNEL], PORT_FORWARD_PROTOCOLS, SPDY_TUNNEL),
        ([V4], PORT_FORWARD_PROTOCOLS, V4),
    ],
)
def test_protocol_negotiation(offered, supported, chosen):
    assert choose_protocol(offered, supported) == chosen


def test_messages_binary_or_text_and_v5_close():
    assert parse_message(b"\x00hello").channel == 0 and parse_message("\x00hi").data == b"hi"
    assert parse_message(b"") is None
    assert closed_channel(parse_message(b"\xff\x00")) == 0
    assert parse_resize(b'{"Width": 80, "Height": 24}') == (80, 24)
    assert parse_resize(b"not json") is None and parse_resize(b'{"Width": 0, "Height": 3}') is None


def test_exit_status_tells_kubectl_the_exit_code():
    assert exit_status(0) == {"metadata": {}, "status": "Success"}
    failure = exit_status(3, command=["sh", "-c", "exit 3"])
    assert failure["reason"] == "NonZeroExitCode"
    assert failure["details"]["causes"] == [{"reason": "ExitCode", "message": "3"}]
    frame = status_frame(failure)
    assert frame[0] == 3 and json.loads(frame[1:]) == failure


def test_docker_stream_is_demultiplexed_across_reads():
    wire = b"\x01\x00\x00\x00" + struct.pack(">I", 5) + b"hello" + b"\x02\x00\x00\x00" + struct.pack(">I", 3) + b"err"
    demux = Demultiplexer()
    assert demux.feed(wire[:7]) == []
    assert demux.feed(wire[7:15]) == [(1, b"hello")]
    assert demux.feed(wire[15:]) == [(2, b"err")]


def test_spdy_dictionary_is_the_one_spdystream_primes_zlib_with():
    assert len(DICTIONARY) == 1423 and zlib.adler32(DICTIONARY) == 0xE3C6A7C2


def test_spdy_frames_round_trip_with_a_shared_header_compression_stream():
    client, server = SpdyWriter(), SpdyReader()
    wire = b"".join([
        client.syn_stream(1, {"streamType": "error", "port": "80", "requestID": "0"}),
        client.syn_stream(3, {"streamType": "data", "port": "80", "requestID": "0"}),
        client.data(3, b"GET / HTTP/1.0\r\n\r\n"),
        client.data(3, fin=True),
        client.ping(7),
        client.rst_stream(3),
    ])  # fmt: skip
    frames = server.feed(wire[:20]) + server.feed(wire[20:])
    assert frames == [
        SynStream(1, {"streamtype": "error", "port": "80", "requestid": "0"}),
        SynStream(3, {"streamtype": "data", "port": "80", "requestid": "0"}),
        Data(3, b"GET / HTTP/1.0\r\n\r\n", False),
        Data(3, b"", True),
        Ping(7),
        RstStream(3, 5),
    ]


def test_spdy_reader_refuses_other_versions():
    with pytest.raises(SpdyError):
        SpdyReader().feed(struct.pack(">HHI", 0x8002, 6, 4) + b"\x00\x00\x00\x01")
