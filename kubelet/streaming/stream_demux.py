"""Docker's multiplexed attach/exec stream (no TTY), split back into stdout and stderr.

    [stream type: 1 byte (0 stdin, 1 stdout, 2 stderr)][0 0 0][size: 4 bytes big endian][payload]

A TTY stream is not multiplexed: all of it is stdout.
"""

from __future__ import annotations

import struct

HEADER_BYTES = 8


class Demultiplexer:
    def __init__(self) -> None:
        self._buffer = b""

    def feed(self, data: bytes) -> list[tuple[int, bytes]]:
        """(stream type, payload) of every whole frame now buffered."""
        self._buffer += data
        frames = []
        while len(self._buffer) >= HEADER_BYTES:
            kind, size = self._buffer[0], struct.unpack(">I", self._buffer[4:8])[0]
            if len(self._buffer) < HEADER_BYTES + size:
                break
            frames.append((kind, self._buffer[HEADER_BYTES : HEADER_BYTES + size]))
            self._buffer = self._buffer[HEADER_BYTES + size :]
        return frames
