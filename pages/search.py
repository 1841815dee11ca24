"""Search a book's current text and its comments.

On PostgreSQL: full-text search (English configuration, `websearch` syntax) with
ranking and highlighted snippets. Elsewhere (SQLite): every word must appear;
results are ranked by how often they do and given a plain snippet. Snippets are
escaped here and only the highlight marks are HTML.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import F, Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from chapters.models import Block, Book, Chapter
from comments.models import Comment

LIMIT = 50
SNIPPET = 90
# Markers the text cannot contain, swapped for <mark> after escaping.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class Hit:
    kind: str  # "text" or "comment"
    chapter: Chapter
    pid: str
    position: int | None
    snippet: SafeString
    rank: float
    comment: Comment | None = None


def _marked(text: str) -> SafeString:
    html = escape(text).replace(START, "<mark>").replace(STOP, "</mark>")
    return mark_safe(html)  # noqa: S308 - escaped above; only the marks are HTML


def _words(query: str) -> list[str]:
    return [w for w in re.findall(r"\w+", query.casefold()) if len(w) > 1][:8]


def _plain_snippet(text: str, words: list[str]) -> str:
    lowered = text.casefold()
    first = min((lowered.find(w) for w in words if w in lowered), default=0)
    start = max(0, first - SNIPPET // 2)
    piece = text[start : start + SNIPPET * 2]
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    piece = pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", piece)
    return ("…" if start else "") + piece + ("…" if start + SNIPPET * 2 < len(text) else "")


def book_search(*, user, book: Book, query: str) -> list[Hit]:
    """The blocks of the chapters `user` may read and the comments they may see that
    match `query`, best first."""
    query = " ".join(query.split())[:200]
    words = _words(query)
    if not words:
        return []
    chapters = Chapter.objects.readable_by(user).in_contents().filter(book=book)
    blocks = Block.objects.filter(
        revision__chapter__in=chapters, revision__chapter__current_revision=F("revision")
    ).select_related("revision__chapter__book")
    comments = (
        Comment.objects.visible_to(user, book=book)
        .filter(deleted_at__isnull=True)
        # On the chapters they may read, or on the book as a whole.
        .filter(Q(chapter__in=chapters) | Q(chapter__isnull=True))
        .select_related("book", "chapter__book", "author")
    )
    if connection.vendor == "postgresql":
        return _postgres(blocks, comments, query)
    return _fallback(blocks, comments, words)


def _postgres(blocks, comments, query: str) -> list[Hit]:
    from django.contrib.postgres.search import (
        SearchHeadline,
        SearchQuery,
        SearchRank,
        SearchVector,
    )

    wanted = SearchQuery(query, search_type="websearch", config="english")

    def ranked(queryset, field: str):
        return (
            queryset.annotate(
                vector=SearchVector(field, config="english"),
                rank=SearchRank(SearchVector(field, config="english"), wanted),
                snippet=SearchHeadline(
                    field,
                    wanted,
                    config="english",
                    start_sel=START,
                    stop_sel=STOP,
                    max_words=35,
                    min_words=15,
                ),
            )
            .filter(vector=wanted)
            .order_by("-rank")[:LIMIT]
        )

    hits = [
        Hit("text", b.revision.chapter, b.pid, b.position, _marked(b.snippet), b.rank)
        for b in ranked(blocks, "text")
    ]
    hits += [
        Hit("comment", c.chapter, c.pid, None, _marked(c.snippet), c.rank, c)
        for c in ranked(comments, "body")
    ]
    return sorted(hits, key=lambda hit: -hit.rank)[:LIMIT]


def _fallback(blocks, comments, words: list[str]) -> list[Hit]:
    for word in words:
        blocks = blocks.filter(text__icontains=word)
        comments = comments.filter(body__icontains=word)

    def rank(text: str) -> float:
        lowered = text.casefold()
        return float(sum(lowered.count(w) for w in words))

    hits = [
        Hit(
            "text",
            b.revision.chapter,
            b.pid,
            b.position,
            _marked(_plain_snippet(b.text, words)),
            rank(b.text),
        )
        for b in blocks[: LIMIT * 4]
    ]
    hits += [
        Hit(
            "comment",
            c.chapter,
            c.pid,
            None,
            _marked(_plain_snippet(c.body, words)),
            rank(c.body),
            c,
        )
        for c in comments[: LIMIT * 4]
    ]
    return sorted(hits, key=lambda hit: -hit.rank)[:LIMIT]
