"""What waits for an editor: open feedback and comments to moderate, for the header.

`editor_counts(request, edited_books=...)` gives the counts of the books the
signed-in person edits (every book for staff). They are kept per person in the
shared cache under `ha:<user id>` beside the token they were counted at: the one
read is a single round trip (the token and the kept counts together), and a page
of someone who edits nothing reads nothing.

The token, `FEEDBACK`, is a page-cache version (`wethink.pagecache`): every write
that changes a comment moves it after its transaction commits (through
`pagecache.chapter_changed`/`places_changed`, which every comment write calls), and so does
a new flag (`flag_create`). Counts kept at an older token are counted again, so an
editor never sees a count older than a write that has returned. Which books the
person edits is part of what is kept: a change there counts again too.
"""

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils.functional import SimpleLazyObject

from wethink.pagecache import FEEDBACK, versions_read

KEEP_SECONDS = 24 * 3600


def counts_key(user_id) -> str:
    return f"ha:{user_id}"


def _count(user) -> dict:
    """Two figures in one query: open feedback (as the queue counts it) and comments
    awaiting moderation or flagged (as the moderation pages count them); and the book
    to link for moderation, the first by title that has some."""
    from chapters.models import Book
    from comments.models import Comment, Flag

    books = Book.objects.editable_by(user)
    flagged = Q(Exists(Flag.objects.filter(comment=OuterRef("pk"), resolved_at__isnull=True)))
    waiting = Q(moderation=Comment.Moderation.PENDING) | flagged
    feedback = Q(
        parent__isnull=True,
        deleted_at__isnull=True,
        moderation=Comment.Moderation.VISIBLE,
        decision=Comment.Decision.OPEN,
    )
    rows = (
        Comment.objects.filter(book__in=books)
        .values("book__slug", "book__title")
        .annotate(open=Count("id", filter=feedback), waiting=Count("id", filter=waiting))
        .order_by("book__title", "book__slug")
    )
    rows = list(rows)
    moderate = next((row["book__slug"] for row in rows if row["waiting"]), "")
    return {
        "open": sum(row["open"] for row in rows),
        "waiting": sum(row["waiting"] for row in rows),
        "moderate": moderate,
    }


def editor_counts(request, *, edited_books=()) -> dict:
    """The counts for the signed-in person, or {} for someone who edits no book.
    `edited_books`: the slugs of the books they edit (staff edit every book)."""
    if hasattr(request, "_editor_counts"):
        return request._editor_counts
    user = request.user
    counts: dict = {}
    if user.is_authenticated and (user.is_staff or edited_books):
        scope = (user.is_staff, tuple(sorted(edited_books)))
        key = counts_key(user.pk)
        found = cache.get_many([FEEDBACK, key])
        token = found.get(FEEDBACK)
        if token is None:
            (token,) = versions_read([FEEDBACK])
        kept = found.get(key)
        if kept is not None and kept[0] == token and kept[1] == scope:
            counts = kept[2]
        else:
            counts = _count(user)
            cache.set(key, (token, scope, counts), timeout=KEEP_SECONDS)
    request._editor_counts = counts
    return counts


def attention(request) -> dict:
    """Context processor: `attention`, the editor's counts, read when the header
    shows them (only to people who edit a book)."""

    def counts() -> dict:
        from accounts.header import header_facts

        facts = header_facts(request) if request.user.is_authenticated else {}
        return editor_counts(request, edited_books=facts.get("edited_books", ()))

    return {"attention": SimpleLazyObject(counts)}
