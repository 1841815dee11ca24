"""Gzip members made of kept deflate blocks and parts compressed per response
(`wethink.compression`) are ordinary gzip: any inflater reads them whole."""

import gzip
import random
import zlib

import pytest

from wethink.compression import deflated, gzip_around, gzip_slotted


def text(rng: random.Random, size: int) -> bytes:
    words = [b"<p>", b"</p>", b"reader", b"comment", b"paragraph", b"\xc3\xa9t\xc3\xa9", b" "]
    out = b""
    while len(out) < size:
        out += rng.choice(words) + (b"%d" % rng.randrange(10_000))
    return out[:size]


@pytest.mark.parametrize("sizes", [(0, 0, 0), (10, 5, 3), (1800, 60_000, 400), (9000, 70, 12_000)])
def test_a_frame_around_a_kept_body_is_one_gzip_member(sizes):
    rng = random.Random(sum(sizes))
    before, middle, after = (text(rng, size) for size in sizes)
    # Repeats further apart than the per-response window: found or not, still read.
    before = before + before
    whole = gzip_around(before, middle, deflated(middle), after)
    assert gzip.decompress(whole) == before + middle + after
    assert zlib.decompress(whole, 31) == before + middle + after


def test_slots_filled_with_a_token_are_one_gzip_member():
    rng = random.Random(7)
    pieces = [text(rng, size) for size in (3000, 0, 20_000, 15)]
    token = b"tok" * 21 + b"x"
    whole = gzip_slotted(pieces, [deflated(piece) for piece in pieces], token)
    assert gzip.decompress(whole) == token.join(pieces)


def test_the_header_is_padded_to_a_random_length():
    lengths = {len(gzip_around(b"a", b"b", deflated(b"b"), b"c")) for _ in range(50)}
    assert len(lengths) > 10
