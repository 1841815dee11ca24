"""Passages of a paragraph: finding a quoted passage in a block's text with its
context (as a W3C TextQuoteSelector does), in whole words."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

QUOTE_CONTEXT = 32
# A run of letters and digits. An apostrophe ends it, so "reader" in "reader's"
# stays a whole word. Scripts written without spaces (Chinese, Japanese, Thai,
# Lao, Khmer, Myanmar) have no word edges to find in the text: never widened.
WORD = re.compile(
    r"[^\W\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+"
)


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


def word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen `text[start:end]` so it neither starts nor ends inside a word.

    A suggestion replaces its quote exactly, so a quote cut inside a word
    ("on a paragrap") would leave the rest of the word behind ("in the margin.h").
    Works on any text: a block's plain text, or the Markdown the fold edits."""
    for word in WORD.finditer(text):
        if word.start() >= end:
            break
        if word.start() < start < word.end():
            start = word.start()
        if word.start() < end < word.end():
            end = word.end()
    return start, end


def quote_locate(*, block_text: str, exact: str, prefix: str = "") -> Quote:
    """Find a passage in a block's text and take the context around it, as a W3C
    TextQuoteSelector does. When the passage occurs more than once, the prefix
    (if given) picks the occurrence; otherwise the first one made of whole words,
    else the first one. A passage that starts or ends inside a word is widened
    to whole words, whichever way it came (form, API)."""
    exact = " ".join(exact.split())
    if not exact:
        return Quote("", "", "")
    starts = [m.start() for m in re.finditer(re.escape(exact), block_text)]
    if not starts:
        raise ValidationError(
            _("The quoted passage is not in this paragraph; copy it exactly from the text.")
        )
    whole = [s for s in starts if word_span(block_text, s, s + len(exact)) == (s, s + len(exact))]
    start = (whole or starts)[0]
    if prefix and len(starts) > 1:
        start = next((s for s in starts if block_text[:s].endswith(prefix)), start)
    start, end = word_span(block_text, start, start + len(exact))
    exact = block_text[start:end]
    return Quote(
        exact,
        block_text[max(0, start - QUOTE_CONTEXT) : start],
        block_text[end : end + QUOTE_CONTEXT],
    )
