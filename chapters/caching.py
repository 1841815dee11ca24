"""What moves the page cache's versions (`wethink.pagecache`) when books and chapters
change: every save or delete of a chapter or book, a book's new slug, and writes
that hold chapter ids only. Connected in `ChaptersConfig.ready`."""

from django.db.models.signals import post_delete, post_save, pre_save

from chapters.models import Book, Chapter
from wethink import pagecache


def chapters_changed(*, chapter_ids=(), book_ids=()) -> None:
    """`pagecache.places_changed` for the chapters `chapter_ids` and the discussions of
    the books `book_ids`: one query each, however many."""
    chapters = Chapter.objects.filter(pk__in=set(chapter_ids) - {None})
    books = Book.objects.filter(pk__in=set(book_ids))
    pagecache.places_changed(
        chapters=list(chapters.values_list("book__slug", "slug")) if chapter_ids else [],
        discussions=list(books.values_list("slug", flat=True)) if book_ids else [],
    )


def _chapter_saved(sender, instance, **kwargs) -> None:
    pagecache.book_changed(instance.book.slug)


def _book_renaming(sender, instance, **kwargs) -> None:
    if instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if before is not None and before != instance.slug:
        pagecache.book_changed(before)


def _book_saved(sender, instance, **kwargs) -> None:
    pagecache.book_changed(instance.slug)


def receivers_connect() -> None:
    """Every save or delete of a chapter or book moves the versions of the pages
    that show it."""
    for signal in (post_save, post_delete):
        signal.connect(_chapter_saved, sender=Chapter, dispatch_uid="pagecache-chapter")
        signal.connect(_book_saved, sender=Book, dispatch_uid="pagecache-book")
    pre_save.connect(_book_renaming, sender=Book, dispatch_uid="pagecache-book-slug")
