"""HTTP/1.x on asyncio streams, only as much as a reverse proxy needs, bodies never buffered whole.

    read_head(reader)  ──► the bytes up to the blank line (None on a clean EOF)
    parse_head(raw)    ──► Head: start line parts + headers (names as sent, looked up lower-case)
    body_framing(...)  ──► how the body is delimited: none, length N, chunked, or until close
    relay_body(...)    ──► copies exactly that body from one stream to the other, chunk by chunk

Chunked bodies are relayed as they are (sizes, extensions and trailers
included), so the proxy never re-encodes what it forwards.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

MAX_HEAD_BYTES = 64 * 1024
CHUNK_BYTES = 64 * 1024
HEAD_END = b"\r\n\r\n"

NO_BODY, LENGTH, CHUNKED, UNTIL_CLOSE = "none", "length", "chunked", "close"


class BadMessage(Exception):
    """A request or response head we cannot parse (answered 400 or 502)."""


@dataclass
class Head:
    parts: tuple[str, str, str]  # request: method, target, version; response: version, status, reason
    headers: list[tuple[str, str]]

    def get(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None

    def tokens(self, name: str) -> set[str]:
        """Comma-separated tokens of every `name` header, lower-cased (Connection, Transfer-Encoding)."""
        found: set[str] = set()
        for key, value in self.headers:
            if key.lower() == name:
                found.update(token.strip().lower() for token in value.split(",") if token.strip())
        return found

    def wants_keep_alive(self, version: str) -> bool:
        connection = self.tokens("connection")
        if version == "HTTP/1.0":
            return "keep-alive" in connection
        return "close" not in connection


async def read_head(reader: asyncio.StreamReader) -> bytes | None:
    try:
        return await reader.readuntil(HEAD_END)
    except asyncio.IncompleteReadError as error:
        if not error.partial.strip():
            return None
        raise BadMessage("connection closed in the middle of a message head") from error
    except asyncio.LimitOverrunError as error:
        raise BadMessage(f"message head over {MAX_HEAD_BYTES} bytes") from error


def parse_head(raw: bytes, *, request: bool) -> Head:
    try:
        text = raw.decode("latin-1")
    except UnicodeDecodeError as error:  # pragma: no cover - latin-1 decodes every byte
        raise BadMessage("undecodable head") from error
    lines = text.split("\r\n")
    start = lines[0].split(" ", 2)
    if request:
        if len(start) != 3 or not start[2].startswith("HTTP/1.") or not start[0].isalpha():
            raise BadMessage(f"bad request line {lines[0][:80]!r}")
    elif len(start) < 2 or not start[0].startswith("HTTP/1.") or not start[1].isdigit():
        raise BadMessage(f"bad status line {lines[0][:80]!r}")
    headers = []
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadMessage(f"bad header line {line[:80]!r}")
        headers.append((name, value.strip()))
    parts = (start[0], start[1], start[2] if len(start) > 2 else "")
    return Head(parts, headers)


def body_framing(head: Head, *, request: bool, method: str = "GET") -> tuple[str, int]:
    """RFC 9112 §6.3: how the message body ends."""
    if not request:
        status = int(head.parts[1])
        if method == "HEAD" or 100 <= status < 200 or status in (204, 304):
            return NO_BODY, 0
    if "chunked" in head.tokens("transfer-encoding"):
        return CHUNKED, 0
    length = head.get("content-length")
    if length is not None:
        if not length.isdigit():
            raise BadMessage(f"bad Content-Length {length!r}")
        return (LENGTH, int(length)) if int(length) else (NO_BODY, 0)
    return (NO_BODY, 0) if request else (UNTIL_CLOSE, 0)


async def relay_body(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, framing: tuple[str, int], *, dechunk: bool = False
) -> int:
    """Copy one body; the number of body bytes. `dechunk` strips chunked framing (for HTTP/1.0 clients)."""
    kind, length = framing
    sent = 0
    if kind == LENGTH:
        sent = await _copy_exactly(reader, writer, length)
    elif kind == CHUNKED:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            if not dechunk:
                writer.write(size_line)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError as error:
                raise BadMessage(f"bad chunk size {size_line[:40]!r}") from error
            if size == 0:
                while (trailer := await reader.readuntil(b"\r\n")) != b"\r\n":
                    if not dechunk:
                        writer.write(trailer)
                if not dechunk:
                    writer.write(b"\r\n")
                await writer.drain()
                return sent
            sent += await _copy_exactly(reader, writer, size)
            end = await reader.readexactly(2)
            if not dechunk:
                writer.write(end)
    elif kind == UNTIL_CLOSE:
        while chunk := await reader.read(CHUNK_BYTES):
            writer.write(chunk)
            await writer.drain()
            sent += len(chunk)
    return sent


async def _copy_exactly(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, length: int) -> int:
    remaining = length
    while remaining > 0:
        chunk = await reader.read(min(remaining, CHUNK_BYTES))
        if not chunk:
            raise asyncio.IncompleteReadError(b"", remaining)
        writer.write(chunk)
        await writer.drain()
        remaining -= len(chunk)
    return length


def serialize_head(start_line: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [start_line, *(f"{name}: {value}" for name, value in headers), "", ""]
    return "\r\n".join(lines).encode("latin-1")
