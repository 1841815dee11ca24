"""Gzip answers joined from deflate blocks kept ahead of time.

A signed-in reader's chapter page is a frame made for the person (the header with
their name) around a body that is the same for many readers, with a CSRF token
that is new for every response. The feedback queue kept per editor is a page made
once with slots where each response puts its token. Both keep their fixed parts as
raw deflate blocks that stand alone (`deflated`: started from an empty window,
ended by a full flush on a byte boundary, no final block), so a response compresses
nothing: it puts its token in a stored (uncompressed) block (`stored`) and joins
the parts into one gzip member (RFC 1952, `gzip_joined`): header, the blocks in
order, an empty final block, then the CRC-32 and length of the whole text.

Against BREACH: the token is never compressed, so the length of a response says
nothing about it, and nothing in the kept blocks (which hold text readers wrote)
shares a window with it; the token is masked afresh for every response as Django
does; and the gzip header gets a random length of padding, as Django's
`compress_string` gives it.
"""

import secrets
import struct
import zlib
from collections.abc import Iterable

LEVEL = 6
RANDOM_BYTES = 100
# A stored block holds at most this many bytes.
STORED_MAX = 0xFFFF
# An empty final block: what ends a stream of blocks that stand alone.
FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)


def deflated(data: bytes) -> bytes:
    """`data` as raw deflate blocks that can be placed after other blocks."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def stored(data: bytes) -> bytes:
    """`data` as stored deflate blocks (not compressed) that can be placed after
    other blocks: each is a byte of header bits, the length and its complement."""
    if not data:
        return b""
    return b"".join(
        b"\x00" + struct.pack("<HH", len(chunk), len(chunk) ^ 0xFFFF) + chunk
        for chunk in (data[at : at + STORED_MAX] for at in range(0, len(data), STORED_MAX))
    )


def gzip_joined(parts: Iterable[tuple[bytes, bytes]]) -> bytes:
    """One gzip member holding the texts of `parts` in order, each part given as
    `(text, blocks)` with `blocks` its `deflated` or `stored` form."""
    crc = size = 0
    blocks = [_header()]
    for text, kept in parts:
        crc = zlib.crc32(text, crc)
        size += len(text)
        blocks.append(kept)
    blocks.append(FINAL_BLOCK)
    blocks.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return b"".join(blocks)


def _header() -> bytes:
    # ID1 ID2, deflate, FNAME set, no time, no extra flags, unknown OS; then the
    # random-length name that pads the header.
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + (
        b"a" * secrets.randbelow(RANDOM_BYTES) + b"\x00"
    )


def gzip_slotted(pieces: list[bytes], pieces_deflated: list[bytes], filler: bytes) -> bytes:
    """One gzip member holding `filler.join(pieces)`, each piece given as
    `deflated(piece)` (kept) and `filler` stored in every slot."""
    between = (filler, stored(filler))
    parts = []
    for n, piece in enumerate(zip(pieces, pieces_deflated, strict=True)):
        if n:
            parts.append(between)
        parts.append(piece)
    return gzip_joined(parts)
