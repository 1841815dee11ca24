"""Markdown cut into its top-level blocks, so a suggestion can replace one block's
source (or a passage of it) and the text be put together again. No database."""

import re
from dataclasses import dataclass

from wethink.rendering import render_chapter

FENCE = re.compile(r"^(```|~~~)")
ITEM = re.compile(r"^(\s{0,3}(?:[-*+]|\d{1,9}[.)])\s+)")
HEADING = re.compile(r"^(#{1,6}\s+)")
QUOTE = re.compile(r"^(>\s?)")
# Smart punctuation the renderer produces, and what the source may have instead.
LOOSE = {
    "\u2018": "(?:\u2018|')",
    "\u2019": "(?:\u2019|')",
    "\u201c": '(?:\u201c|")',
    "\u201d": '(?:\u201d|")',
    "\u2013": "(?:\u2013|--)",
    "\u2014": "(?:\u2014|---)",
    "\u2026": "(?:\u2026|\\.\\.\\.)",
}


@dataclass
class Chunk:
    """A top-level block of Markdown source (a list item counts as one)."""

    source: str
    _text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            rendered = render_chapter(self.source)
            self._text = " ".join(block.text for block in rendered)
        return self._text


def chunks_split(text: str) -> list[Chunk]:
    """Split Markdown into top-level blocks: blank-line separated, fenced code kept
    whole, each list item on its own. Joining them with blank lines gives the text back
    up to blank-line spacing."""
    chunks: list[list[str]] = []
    current: list[str] = []
    fenced = False
    for line in text.split("\n"):
        if FENCE.match(line):
            fenced = not fenced
            current.append(line)
            continue
        if fenced:
            current.append(line)
            continue
        if not line.strip():
            if current:
                chunks.append(current)
                current = []
            continue
        if current and ITEM.match(line) and not line.startswith(" "):
            chunks.append(current)
            current = []
        current.append(line)
    if current:
        chunks.append(current)
    return [Chunk("\n".join(lines)) for lines in chunks]


def chunks_join(chunks: list[Chunk]) -> str:
    parts = []
    for i, chunk in enumerate(chunks):
        if i and ITEM.match(chunk.source) and ITEM.match(chunks[i - 1].source):
            parts.append("\n")
        elif i:
            parts.append("\n\n")
        parts.append(chunk.source)
    return "".join(parts) + "\n"


def loose_pattern(text: str) -> re.Pattern[str]:
    """A pattern for rendered text in its Markdown source: smart punctuation may be
    plain in the source and whitespace may differ."""
    out = []
    for char in " ".join(text.split()):
        if char == " ":
            out.append(r"\s+")
        else:
            out.append(LOOSE.get(char, re.escape(char)))
    return re.compile("".join(out))
