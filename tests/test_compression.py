"""Gzip members joined from kept deflate blocks and stored blocks
(`wethink.compression`) are ordinary gzip: any inflater reads them whole."""

import gzip
import random
import zlib

import pytest

from wethink.compression import STORED_MAX, deflated, gzip_joined, gzip_slotted, stored


def text(rng: random.Random, size: int) -> bytes:
    words = [b"<p>", b"</p>", b"reader", b"comment", b"paragraph", b"\xc3\xa9t\xc3\xa9", b" "]
    out = b""
    while len(out) < size:
        out += rng.choice(words) + (b"%d" % rng.randrange(10_000))
    return out[:size]


@pytest.mark.parametrize("sizes", [(0, 0, 0), (10, 5, 3), (1800, 60_000, 400), (9000, 70, 12_000)])
def test_kept_and_stored_parts_are_one_gzip_member(sizes):
    rng = random.Random(sum(sizes))
    before, middle, after = (text(rng, size) for size in sizes)
    # Repeats within a part and across parts: each part's blocks stand alone.
    before = before + before
    parts = [(before, deflated(before)), (middle, stored(middle)), (after, deflated(after))]
    whole = gzip_joined(parts)
    assert gzip.decompress(whole) == before + middle + after
    assert zlib.decompress(whole, 31) == before + middle + after


def test_a_stored_part_longer_than_a_block_is_split():
    data = (bytes(range(256)) * 600)[: 2 * STORED_MAX + 10]
    blocks = stored(data)
    assert len(data) > STORED_MAX
    assert len(blocks) == len(data) + 5 * 3
    assert gzip.decompress(gzip_joined([(data, blocks)])) == data


def test_a_stored_token_is_not_compressed():
    # Its length says nothing about what it shares with the page around it.
    page = b"csrfmiddlewaretoken=abc123" * 50
    for token in (b"abc123" * 10, b"zq9x7w" * 10):
        whole = gzip_joined([(page, deflated(page)), (token, stored(token))])
        assert gzip.decompress(whole) == page + token
    assert len(stored(b"abc123" * 10)) == len(stored(b"zq9x7w" * 10)) == 60 + 5


def test_slots_filled_with_a_token_are_one_gzip_member():
    rng = random.Random(7)
    pieces = [text(rng, size) for size in (3000, 0, 20_000, 15)]
    token = b"tok" * 21 + b"x"
    whole = gzip_slotted(pieces, [deflated(piece) for piece in pieces], token)
    assert gzip.decompress(whole) == token.join(pieces)


def test_the_header_is_padded_to_a_random_length():
    lengths = {len(gzip_joined([(b"a", deflated(b"a"))])) for _ in range(50)}
    assert len(lengths) > 10
