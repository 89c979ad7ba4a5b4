"""Just enough PNG decoding to look at a browser screenshot: 8-bit RGB or RGBA, not interlaced (what Chromium
writes). Pillow is not a dependency; zlib inflates, and the row filters are undone here.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

SIGNATURE = b"\x89PNG\r\n\x1a\n"
CHANNELS = {2: 3, 6: 4}  # colour type -> bytes per pixel at 8 bits


@dataclass(frozen=True)
class Image:
    width: int
    height: int
    channels: int
    rows: list[bytes]

    def count(self, rgb: tuple[int, int, int]) -> int:
        """About how many pixels have exactly this colour (byte runs counted in C; RGB screenshots only)."""
        wanted = bytes(rgb)
        return sum(row.count(wanted) for row in self.rows)

    def non_white(self) -> int:
        """About how many pixels are not white."""
        return self.width * self.height - self.count((255, 255, 255))


def read_png(path: Path) -> Image:
    data = path.read_bytes()
    if not data.startswith(SIGNATURE):
        raise ValueError(f"{path} is not a PNG")
    position, compressed = len(SIGNATURE), bytearray()
    width = height = channels = 0
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        kind, body = data[position + 4 : position + 8], data[position + 8 : position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            if depth != 8 or colour not in CHANNELS or interlace:
                raise ValueError(f"{path}: only 8-bit RGB/RGBA, not interlaced (got {depth}, {colour}, {interlace})")
            channels = CHANNELS[colour]
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    raw = zlib.decompress(bytes(compressed))
    stride = width * channels
    rows: list[bytes] = []
    previous = bytes(stride)
    low, high = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], raw[start + 1 : start + 1 + stride]
        previous = _unfilter(kind, line, previous, channels, low, high)
        rows.append(previous)
    return Image(width, height, channels, rows)


def _unfilter(kind: int, line: bytes, previous: bytes, bpp: int, low: int, high: int) -> bytes:
    if kind == 0:
        return line
    if kind == 2:  # Up: a byte-wise sum without carries, on the whole row at once
        a, b = int.from_bytes(line, "big"), int.from_bytes(previous, "big")
        return (((a & low) + (b & low)) ^ ((a ^ b) & high)).to_bytes(len(line), "big")
    out = bytearray(line)
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + left) & 0xFF
        elif kind == 3:
            out[i] = (out[i] + ((left + previous[i]) >> 1)) & 0xFF
        else:
            up, corner = previous[i], previous[i - bpp] if i >= bpp else 0
            p = left + up - corner
            pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
            out[i] = (out[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 0xFF
    return bytes(out)
