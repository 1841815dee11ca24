"""A gzip body whose large middle part was compressed once, ahead of time.

A signed-in reader's chapter page is a small frame made for each request (the
header with their name and CSRF token) around a large body that is the same for
many readers. The body is kept as raw deflate blocks that stand alone (`deflated`:
started from an empty window, ended by a full flush on a byte boundary, no final
block), so a response compresses only the frame and joins the parts into one gzip
member (RFC 1952): header, deflate blocks of the frame's start, the body's kept
blocks, the frame's end with the final block, then the CRC-32 and length of the
whole text.

The feedback queue kept per editor is the other way round: a large page made once,
with slots where each response puts its CSRF token (`gzip_slotted`). Its pieces
between the slots are kept as such blocks, and each response compresses only the
token, in a window of its own, and puts those blocks in every slot.

Against BREACH: the kept blocks are compressed apart from the token, so nothing in
them (which holds text readers wrote) shares a window with it; the token is masked
afresh for every response as Django does; and the gzip header gets a random length
of padding, as Django's `compress_string` gives it.
"""

import secrets
import struct
import zlib

LEVEL = 6
RANDOM_BYTES = 100
# What is compressed per response is a few kilobytes (a frame, a token): a 4 KB
# window and a small hash table compress it as well as zlib's defaults, and cost a
# third as much to set up. Any inflater reads such blocks, whatever window it keeps.
SMALL_WBITS, SMALL_MEMLEVEL = -12, 5
# An empty final block: what ends a stream of blocks that stand alone.
FINAL_BLOCK = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS).flush(zlib.Z_FINISH)


def deflated(data: bytes) -> bytes:
    """`data` as raw deflate blocks that can be placed after other blocks."""
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, -zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush(zlib.Z_FULL_FLUSH)


def _small():
    return zlib.compressobj(LEVEL, zlib.DEFLATED, SMALL_WBITS, SMALL_MEMLEVEL)


def gzip_around(before: bytes, middle: bytes, middle_deflated: bytes, after: bytes) -> bytes:
    """One gzip member holding `before + middle + after`, with `middle` given as
    `deflated(middle)` (kept) and only `before` and `after` compressed here."""
    start, end = _small(), _small()
    crc = zlib.crc32(after, zlib.crc32(middle, zlib.crc32(before)))
    size = len(before) + len(middle) + len(after)
    return b"".join(
        (
            _header(),
            start.compress(before),
            start.flush(zlib.Z_FULL_FLUSH),
            middle_deflated,
            end.compress(after),
            end.flush(zlib.Z_FINISH),
            struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF),
        )
    )


def _header() -> bytes:
    # ID1 ID2, deflate, FNAME set, no time, no extra flags, unknown OS; then the
    # random-length name that pads the header.
    return b"\x1f\x8b\x08\x08\x00\x00\x00\x00\x00\xff" + (
        b"a" * secrets.randbelow(RANDOM_BYTES) + b"\x00"
    )


def gzip_slotted(pieces: list[bytes], pieces_deflated: list[bytes], filler: bytes) -> bytes:
    """One gzip member holding `filler.join(pieces)`, each piece given as
    `deflated(piece)` (kept) and only `filler` compressed here, in a window of its
    own for every slot."""
    crc = 0
    for n, piece in enumerate(pieces):
        if n:
            crc = zlib.crc32(filler, crc)
        crc = zlib.crc32(piece, crc)
    size = sum(map(len, pieces)) + len(filler) * (len(pieces) - 1)
    # Blocks that stand alone: the filler's, made once, fits every slot.
    compressor = _small()
    between = compressor.compress(filler) + compressor.flush(zlib.Z_FULL_FLUSH)
    parts = [_header(), between.join(pieces_deflated), FINAL_BLOCK]
    parts.append(struct.pack("<II", crc & 0xFFFFFFFF, size & 0xFFFFFFFF))
    return b"".join(parts)
