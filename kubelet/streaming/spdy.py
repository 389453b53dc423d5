"""SPDY/3.1 framing, enough for the port-forward protocol kubectl speaks (moby/spdystream's peer).

    bytes ──► SpdyReader.feed ──► frames: SynStream(id, headers) · Data(id, data, fin) · RstStream(id)
                                          · Ping(id) · GoAway · Settings/WindowUpdate (ignored by callers)
    SpdyWriter: syn_reply(id) · data(id, bytes, fin) · rst_stream(id, status) · ping(id) · goaway()

Header blocks are zlib streams (one per direction, for the whole session)
primed with the SPDY/3 dictionary; every block is flushed with Z_SYNC_FLUSH.
spdystream does no flow control, so neither do we (no WINDOW_UPDATE sent).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field

VERSION = 3
SYN_STREAM, SYN_REPLY, RST_STREAM, SETTINGS, PING, GOAWAY, HEADERS, WINDOW_UPDATE = 1, 2, 3, 4, 6, 7, 8, 9
FLAG_FIN = 0x01
RST_PROTOCOL_ERROR, RST_CANCEL = 1, 5
HEADER_BYTES = 8
MAX_FRAME_BYTES = 16 * 1024 * 1024
MAX_HEADER_BLOCK_BYTES = 64 * 1024
STREAM_ID_MASK = 0x7FFFFFFF

_NAMES = (
    "options head post put delete trace accept accept-charset accept-encoding accept-language accept-ranges age allow "
    "authorization cache-control connection content-base content-encoding content-language content-length "
    "content-location content-md5 content-range content-type date etag expect expires from host if-match "
    "if-modified-since if-none-match if-range if-unmodified-since last-modified location max-forwards pragma "
    "proxy-authenticate proxy-authorization range referer retry-after server te trailer transfer-encoding upgrade "
    "user-agent vary via warning www-authenticate method get status"
).split() + ["200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin"]
_TAIL = (
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505"
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized"
    "403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable"
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT"
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,"
    "text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0."
)
# The SPDY/3 header compression dictionary (draft 3, section 2.6.10.1), as spdystream has it.
DICTIONARY = b"".join(struct.pack(">I", len(name)) + name.encode() for name in _NAMES) + _TAIL.encode()


class SpdyError(Exception):
    """The peer sent something that is not SPDY/3.1."""


@dataclass(frozen=True)
class SynStream:
    stream_id: int
    headers: dict[str, str] = field(default_factory=dict)
    fin: bool = False


@dataclass(frozen=True)
class Data:
    stream_id: int
    data: bytes
    fin: bool


@dataclass(frozen=True)
class RstStream:
    stream_id: int
    status: int


@dataclass(frozen=True)
class Ping:
    ping_id: int


@dataclass(frozen=True)
class GoAway:
    last_stream_id: int


@dataclass(frozen=True)
class Other:
    frame_type: int


Frame = SynStream | Data | RstStream | Ping | GoAway | Other


def encode_headers(headers: dict[str, str]) -> bytes:
    parts = [struct.pack(">I", len(headers))]
    for name, value in headers.items():
        parts += [struct.pack(">I", len(name)), name.lower().encode(), struct.pack(">I", len(value)), value.encode()]
    return b"".join(parts)


def decode_headers(block: bytes) -> dict[str, str]:
    try:
        (count,), offset, headers = struct.unpack_from(">I", block), 4, {}
        for _ in range(count):
            (length,) = struct.unpack_from(">I", block, offset)
            name = block[offset + 4 : offset + 4 + length].decode()
            offset += 4 + length
            (length,) = struct.unpack_from(">I", block, offset)
            headers[name.lower()] = block[offset + 4 : offset + 4 + length].decode().split("\x00")[0]
            offset += 4 + length
    except (struct.error, UnicodeDecodeError) as error:
        raise SpdyError(f"malformed header block: {error}") from error
    return headers


class SpdyReader:
    def __init__(self) -> None:
        self._buffer = b""
        self._inflate = zlib.decompressobj(zdict=DICTIONARY)

    def _headers(self, compressed: bytes) -> dict[str, str]:
        try:
            block = self._inflate.decompress(compressed, MAX_HEADER_BLOCK_BYTES)
        except zlib.error as error:
            raise SpdyError(f"header block does not decompress: {error}") from error
        return decode_headers(block)

    def feed(self, data: bytes) -> list[Frame]:
        self._buffer += data
        frames: list[Frame] = []
        while len(self._buffer) >= HEADER_BYTES:
            length = int.from_bytes(self._buffer[5:8], "big")
            if length > MAX_FRAME_BYTES:
                raise SpdyError(f"frame of {length} bytes is too large")
            if len(self._buffer) < HEADER_BYTES + length:
                break
            head, body = self._buffer[:HEADER_BYTES], self._buffer[HEADER_BYTES : HEADER_BYTES + length]
            self._buffer = self._buffer[HEADER_BYTES + length :]
            frames.append(self._frame(head, body))
        return frames

    def _frame(self, head: bytes, body: bytes) -> Frame:
        flags = head[4]
        if not head[0] & 0x80:
            stream_id = struct.unpack(">I", head[:4])[0] & STREAM_ID_MASK
            return Data(stream_id, body, bool(flags & FLAG_FIN))
        version, kind = struct.unpack(">HH", head[:4])
        if version & 0x7FFF != VERSION:
            raise SpdyError(f"SPDY version {version & 0x7FFF} is not 3")
        if kind == SYN_STREAM and len(body) >= 10:
            stream_id = struct.unpack(">I", body[:4])[0] & STREAM_ID_MASK
            return SynStream(stream_id, self._headers(body[10:]), bool(flags & FLAG_FIN))
        if kind == RST_STREAM and len(body) >= 8:
            stream_id, status = struct.unpack(">II", body[:8])
            return RstStream(stream_id & STREAM_ID_MASK, status)
        if kind == PING and len(body) >= 4:
            return Ping(struct.unpack(">I", body[:4])[0])
        if kind == GOAWAY and len(body) >= 4:
            return GoAway(struct.unpack(">I", body[:4])[0] & STREAM_ID_MASK)
        if kind == HEADERS and len(body) >= 4:
            self._headers(body[4:])  # keeps the shared zlib stream in step; the headers themselves are unused
        return Other(kind)


class SpdyWriter:
    def __init__(self) -> None:
        self._deflate = zlib.compressobj(9, zlib.DEFLATED, 15, zdict=DICTIONARY)

    def _control(self, kind: int, body: bytes, flags: int = 0) -> bytes:
        return struct.pack(">HHI", 0x8000 | VERSION, kind, (flags << 24) | len(body)) + body

    def _compressed(self, headers: dict[str, str]) -> bytes:
        return self._deflate.compress(encode_headers(headers)) + self._deflate.flush(zlib.Z_SYNC_FLUSH)

    def syn_reply(self, stream_id: int, headers: dict[str, str] | None = None) -> bytes:
        return self._control(SYN_REPLY, struct.pack(">I", stream_id) + self._compressed(headers or {}))

    def syn_stream(self, stream_id: int, headers: dict[str, str], *, fin: bool = False) -> bytes:
        body = struct.pack(">IIBB", stream_id, 0, 0, 0) + self._compressed(headers)
        return self._control(SYN_STREAM, body, FLAG_FIN if fin else 0)

    def data(self, stream_id: int, data: bytes = b"", *, fin: bool = False) -> bytes:
        return struct.pack(">II", stream_id & STREAM_ID_MASK, ((FLAG_FIN if fin else 0) << 24) | len(data)) + data

    def rst_stream(self, stream_id: int, status: int = RST_CANCEL) -> bytes:
        return self._control(RST_STREAM, struct.pack(">II", stream_id, status))

    def ping(self, ping_id: int) -> bytes:
        return self._control(PING, struct.pack(">I", ping_id))

    def goaway(self, last_stream_id: int = 0) -> bytes:
        return self._control(GOAWAY, struct.pack(">II", last_stream_id, 0))
