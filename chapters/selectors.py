"""Permission-scoped reads for the reading pages. Each raises Http404 for what the
person may not see, so a draft book looks the same as a book that does not exist."""

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404

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


def revision_blocks(*, revision: ChapterRevision) -> list[Block]:
    return list(Block.objects.filter(revision=revision).order_by("position"))


def chapter_neighbours(*, chapter: Chapter, user) -> tuple[Chapter | None, Chapter | None]:
    """The chapters before and after this one in the book's contents."""
    siblings = list(
        Chapter.objects.readable_by(user)
        .in_contents()
        .filter(book=chapter.book)
        .order_by("position", "id")
    )
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
                .filter(status=Chapter.Status.PUBLISHED)
                .order_by("position"),
                to_attr="contents",
            )
        )
    )


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
