"""The current chapter page for readers who are not signed in, kept around what
comments change.

A comment changes three things on a chapter page: the blocks' counts, the count of
comments on the chapter as a whole and the list of comments on removed text
(`chapters/chapter_counted.html`, "the counted part"). The rest of the page (the
header, the chapter's title and revision, the closing notice, the neighbours)
changes only when the site's or the book's version moves (every save of a chapter
or of its book moves the book's: `wethink.pagecache.book_changed`), or at a time
known when it is made (a closing date, a scheduled opening).

So the page made for an anonymous reader is also kept without its counted part, as
the text before and after it, under those two versions and until that time. The
first view after a comment (the whole stored page no longer current) then reads
that and the revision's blocks from the shared cache, counts the comments in one
query and renders the counted part alone: the chapter, its neighbours and the page
around are not read or rendered again. A page is kept only when nothing in it was
made for this request (no query string, no message, no CSP nonce or CSRF token),
as `PageCacheMiddleware` keeps whole pages.
"""

import copy

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from chapters import selectors
from pages.chapter_context import counted_context, reading_context, stored_until
from pages.signed_in import markup
from wethink.pagecache import (
    MESSAGES_COOKIE,
    made_for_no_one,
    page_key,
    page_versions,
    version_keys,
)

COUNTED = "chapters/chapter_counted.html"
# Where the counted part goes in the rendered page: NUL never reaches a page's text.
SLOT = mark_safe("\x00counted\x00")


def _key(request) -> str | None:
    """The key of the page kept around the counted part, or None when this request
    may not use one."""
    if request.META.get("QUERY_STRING") or MESSAGES_COOKIE in request.COOKIES:
        return None
    page = page_key(request.META)
    return None if page is None else f"ra:{markup()}:{get_language()}:{page}"


def chapter_page(request, *, book: str, chapter: str) -> HttpResponse:
    """The current chapter page for an anonymous `request`: the counted part made
    now, in the page kept around it when that is current; else the whole page,
    and the page around its counted part kept. Http404 for a chapter they may not
    read."""
    key = _key(request)
    versions = page_versions(request, version_keys("chapter_text", {"book": book}))
    kept = cache.get(key) if key is not None else None
    if (
        kept is not None
        and kept["versions"] == versions
        and (kept["until"] is None or kept["until"] > timezone.now())
    ):
        found = kept["chapter"]
        counted = render_to_string(
            COUNTED, counted_context(request.user, found, found.current_revision)
        )
        return _response(kept, counted)
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    context = reading_context(request.user, found, found.current_revision)
    counted = render_to_string(COUNTED, context)
    text = render_to_string("chapters/chapter_detail.html", {**context, "counted": SLOT}, request)
    before, after = text.split(SLOT)
    made = {
        "versions": versions,
        # The page says until when comments are open; it must not outlive that
        # date, nor a scheduled chapter's opening (its neighbours' links change).
        "until": stored_until(request, found.book, context["open_until"]),
        "before": before,
        "after": after,
        "chapter": _light(found),
    }
    if key is not None and made_for_no_one(request):
        timeout = settings.WETHINK_PAGE_CACHE_SECONDS
        if made["until"] is not None:
            timeout = min(timeout, int((made["until"] - timezone.now()).total_seconds()))
        if timeout > 0:
            cache.set(key, made, timeout=timeout)
    return _response(made, counted)


def _response(made: dict, counted: str) -> HttpResponse:
    response = HttpResponse(made["before"] + counted + made["after"])
    response.page_cache_until = made["until"]
    return response


def _light(chapter):
    """The chapter, its book and its current revision as the counted part needs
    them, without the chapter's and revision's texts (deferred: read again if ever
    asked for)."""
    light = copy.copy(chapter)
    revision = copy.copy(chapter.current_revision)
    for kept in (light, revision):
        kept.__dict__.pop("text", None)
    revision.__dict__.pop("lineage", None)
    light.current_revision = revision
    return light
