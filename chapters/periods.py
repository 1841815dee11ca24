"""When a chapter takes comments: a chapter rule, read by the comment services and
the reading pages.

Comments close by the book's status, by the chapter's own setting, or at a closing
date (the chapter's own, else the book's when the chapter follows the book).
Comments on the book as a whole follow the book's status and closing date.
Existing comments stay visible either way."""

from datetime import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from chapters.models import Book, Chapter


def comments_close_at(chapter: Chapter) -> datetime | None:
    """The closing date that applies to `chapter`, past or future, or None."""
    closes = chapter.comments_close_at
    if closes is None and chapter.comment_period == Chapter.CommentPeriod.BOOK:
        closes = chapter.book.comments_close_at
    return closes


def _closed_reason(book: Book, closes: datetime | None) -> str | None:
    if book.status != Book.Status.OPEN:
        return _("This book is closed for comments. The comments made while it was open stay.")
    if closes is not None and closes <= timezone.now():
        return _("Comments closed on %(date)s. The comments made before stay.") % {
            "date": date_format(timezone.localtime(closes), "j F Y")
        }
    return None


def comments_closed_reason(chapter: Chapter) -> str | None:
    """Why a chapter takes no new comments now, or None when it does."""
    if chapter.book.status == Book.Status.OPEN and (
        chapter.comment_period == Chapter.CommentPeriod.CLOSED
    ):
        return _("Comments on this chapter are closed. The comments made before stay.")
    return _closed_reason(chapter.book, comments_close_at(chapter))


def book_comments_closed_reason(book: Book) -> str | None:
    """Why the book as a whole takes no new comments now (its discussion), or None."""
    return _closed_reason(book, book.comments_close_at)


def _ahead(closes: datetime | None) -> datetime | None:
    return closes if closes is not None and closes > timezone.now() else None


def comments_open_until(chapter: Chapter) -> datetime | None:
    """The date comments close, when one is set and still ahead."""
    return _ahead(comments_close_at(chapter))


def book_comments_open_until(book: Book) -> datetime | None:
    """The date comments on the book as a whole close, when one is set and still ahead."""
    return _ahead(book.comments_close_at)
