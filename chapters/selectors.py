"""Permission-scoped reads for the reading pages. Each raises Http404 for what the
person may not see, so a draft book looks the same as a book that does not exist."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Block, Book, Chapter, ChapterRevision
from wethink.paging import page_get


def book_get_for_reader(*, user, slug: str) -> Book:
    return get_object_or_404(Book.objects.readable_by(user), slug=slug)


def chapter_get_for_reader(*, user, book: str, chapter: str) -> Chapter:
    return get_object_or_404(
        Chapter.objects.readable_by(user).filter(current_revision__isnull=False),
        book__slug=book,
        slug=chapter,
    )


def chapter_get_for_edit(*, user, book: str, chapter: str) -> Chapter:
    """The chapter, for someone who may revise it: 404 when they may not read it,
    403 (PermissionDenied) when they may read but not revise it."""
    found = chapter_get_for_reader(user=user, book=book, chapter=chapter)
    if not found.book.is_editor(user):
        raise PermissionDenied
    return found


def revision_get(*, chapter: Chapter, number: int) -> ChapterRevision:
    return get_object_or_404(
        ChapterRevision.objects.select_related("editor"), chapter=chapter, number=number
    )


def revision_written_on(*, chapter: Chapter, number: int | None) -> ChapterRevision | None:
    """The revision of `chapter` a comment says it was written on: None for none
    given (the current one); ValidationError for one that does not exist. One query."""
    if number is None:
        return None
    found = ChapterRevision.objects.filter(chapter=chapter, number=number).first()
    if found is None:
        raise ValidationError(_("Revision %(n)s of this chapter does not exist.") % {"n": number})
    return found


def revision_blocks(*, revision: ChapterRevision) -> list[Block]:
    return list(Block.objects.filter(revision=revision).order_by("position"))


def chapter_neighbours(*, chapter: Chapter, user) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after this one in the book's contents, with what a
    link to them needs (title, slug, book): not every chapter's text. One query."""
    siblings = list(
        Chapter.objects.readable_by(user)
        .in_contents()
        .filter(book=chapter.book)
        .select_related(None)
        .only("pk", "book_id", "title", "slug")
        .order_by("position", "id")
    )
    for sibling in siblings:
        sibling.book = chapter.book
    ids = [sibling.pk for sibling in siblings]
    if chapter.pk not in ids:
        return None, None
    i = ids.index(chapter.pk)
    previous = siblings[i - 1] if i > 0 else None
    following = siblings[i + 1] if i + 1 < len(siblings) else None
    return previous, following


def book_contents(*, book: Book, user) -> list[Chapter]:
    return list(
        Chapter.objects.readable_by(user).in_contents().filter(book=book).order_by("position", "id")
    )


def books_for_reader(*, user) -> list[Book]:
    return list(
        Book.objects.readable_by(user).prefetch_related(
            Prefetch(
                "chapters",
                queryset=Chapter.objects.in_contents()
                .public()
                .filter(status=Chapter.Status.PUBLISHED)
                .order_by("position"),
                to_attr="contents",
            )
        )
    )


def book_next_opening(*, book: Book):
    """When the book's next scheduled chapter opens (None if none is waiting): until
    then, what its pages show to readers cannot change by the clock alone."""
    return (
        Chapter.objects.filter(
            book=book, status=Chapter.Status.PUBLISHED, opens_at__gt=timezone.now()
        )
        .order_by("opens_at")
        .values_list("opens_at", flat=True)
        .first()
    )


def book_openings_passed(kwargs: dict) -> int:
    """How many of the book's (`kwargs["book"]`, a slug) scheduled chapters have
    opened by now: a page of the whole book that counts this in its ETag is not
    revalidated across an opening (`wethink.pagecache.conditional_page`)."""
    return Chapter.objects.filter(
        book__slug=kwargs["book"], status=Chapter.Status.PUBLISHED, opens_at__lte=timezone.now()
    ).count()


HISTORY_PAGE_SIZE = 50


def chapter_history(*, chapter: Chapter, page: int | None = None) -> Page:
    """One page of the chapter's revisions, newest first. Two queries."""
    return page_get(
        ChapterRevision.objects.filter(chapter=chapter)
        .select_related("editor")
        .defer("text", "lineage")
        .order_by("-number"),
        number=page,
        per_page=HISTORY_PAGE_SIZE,
    )


def current_block_texts(chapter: Chapter) -> dict[str, str]:
    """The text of each block (by pid) of the chapter's current revision. One query."""
    return dict(
        Block.objects.filter(revision_id=chapter.current_revision_id).values_list("pid", "text")
    )
