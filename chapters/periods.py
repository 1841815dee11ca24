"""When a chapter takes comments: a chapter rule, read by the comment services and
the reading pages.

Comments close by the book's status, by the chapter's own setting, or at a closing
date (the chapter's own, else the book's when the chapter follows the book).
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


def comments_closed_reason(chapter: Chapter) -> str | None:
    """Why a chapter takes no new comments now, or None when it does."""
    if chapter.book.status != Book.Status.OPEN:
        return _("This book is closed for comments. The comments made while it was open stay.")
    if chapter.comment_period == Chapter.CommentPeriod.CLOSED:
        return _("Comments on this chapter are closed. The comments made before stay.")
    closes = comments_close_at(chapter)
    if closes is not None and closes <= timezone.now():
        return _("Comments closed on %(date)s. The comments made before stay.") % {
            "date": date_format(timezone.localtime(closes), "j F Y")
        }
    return None


def comments_open_until(chapter: Chapter) -> datetime | None:
    """The date comments close, when one is set and still ahead."""
    closes = comments_close_at(chapter)
    return closes if closes is not None and closes > timezone.now() else None
