"""What a chapter page shows, as template context: the whole page's
(`reading_context`) and the part of it that comments change (`counted_context`,
`chapters/chapter_counted.html`)."""

from django.urls import reverse

from chapters import reading, selectors
from chapters.periods import comments_closed_reason, comments_open_until
from comments import selectors as comment_selectors
from comments.models import WHOLE_CHAPTER


def thread_links(chapter, revision, is_current: bool) -> tuple[str, str]:
    """What goes before and after a pid in the page's thread links: relative to the
    page (/b/<book>/<chapter>/ or .../r<n>/), so short; an old revision's links
    open the thread on that revision."""
    thread = reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": "x"}
    )[len(chapter.get_absolute_url()) : -2]
    if is_current:
        return thread, ""
    return f"../{thread}", f"?r={revision.number}"


def counted_context(user, chapter, revision, *, parts=None) -> dict:
    """What comments change on the page of `revision`: the blocks with their counts,
    the count of comments on the chapter as a whole, the comments on removed text.
    `parts`: the revision's blocks, when already read."""
    prefix, suffix = thread_links(chapter, revision, revision.pk == chapter.current_revision_id)
    if parts is None:
        parts = reading.revision_parts(revision)
    counts = comment_selectors.chapter_counts(user=user, chapter=chapter)
    return {
        "book": chapter.book,
        "chapter": chapter,
        "blocks": reading.blocks_html(
            parts, counts=counts.blocks, thread_prefix=prefix, thread_suffix=suffix
        ),
        # Comments on the chapter as a whole: their own thread, after the text.
        "whole_pid": WHOLE_CHAPTER,
        "whole_count": counts.blocks.get(WHOLE_CHAPTER, 0),
        "whole_url": f"{prefix}{WHOLE_CHAPTER}/{suffix}",
        # Most chapters have none: the list is read only when the count says so.
        "orphaned": comment_selectors.orphaned_comments(user=user, chapter=chapter)
        if counts.orphaned
        else None,
    }


def reading_context(user, chapter, revision) -> dict:
    previous, following = selectors.chapter_neighbours(chapter=chapter, user=user)
    is_current = revision.pk == chapter.current_revision_id
    parts = reading.revision_parts(revision)
    return {
        **counted_context(user, chapter, revision, parts=parts),
        "revision": revision,
        "description": reading.parts_summary(parts),
        "closed_reason": comments_closed_reason(chapter),
        "open_until": comments_open_until(chapter),
        "previous": previous,
        "following": following,
        "is_current": is_current,
        "is_editor": chapter.book.is_editor(user),
    }


def stored_until(request, book, *times):
    """Until when a stored copy of a book's page holds: the earliest of `times` and
    the book's next scheduled opening (the contents and the chapters' neighbours
    change then). Only asked for pages that may be stored (anonymous readers')."""
    if request.user.is_authenticated:
        return None
    known = [t for t in (*times, selectors.book_next_opening(book=book)) if t is not None]
    return min(known, default=None)
