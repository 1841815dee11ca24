"""Reads of watches and inboxes, scoped to the person asking."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q

from chapters.models import Book, chapter_readable_q
from comments.models import Comment, comment_readable_q
from notices.models import InboxItem, Watch
from wethink.paging import page_get

INBOX_PER_PAGE = 25


def inbox_visible_q(user: AbstractBaseUser) -> Q:
    """The items `user` may see: their comment is not deleted, is visible (or is
    their own), and is on a chapter they may read (or on a book they may read, as
    a whole). A reply hidden by a moderator after it was posted leaves the inbox,
    editors' included."""
    return (
        Q(comment__deleted_at__isnull=True)
        & (Q(comment__moderation=Comment.Moderation.VISIBLE) | Q(comment__author_id=user.pk))
        & comment_readable_q(user, through="comment__")
    )


def inbox_items(*, user: AbstractBaseUser):
    return InboxItem.objects.filter(inbox_visible_q(user), user_id=user.pk)


def inbox_page(*, user: AbstractBaseUser, number: int | None):
    """A page of the person's inbox, newest first, each item with its comment,
    the comment's parent (for a reply), chapter and book, and who acted."""
    items = inbox_items(user=user).select_related(
        "comment__chapter", "comment__book", "comment__parent", "actor"
    )
    return page_get(items, number=number, per_page=INBOX_PER_PAGE)


def inbox_unread_count(user: AbstractBaseUser) -> int:
    """How many items the person has not read (a header fact: `header.unread`)."""
    return inbox_items(user=user).filter(read_at__isnull=True).count()


def watch_keys(user: AbstractBaseUser) -> frozenset[str]:
    """What the person watches, as "<book slug>" and "<book slug>/<chapter slug>"
    (a header fact: `header.watching`, read by the watch buttons)."""
    rows = Watch.objects.filter(user_id=user.pk).values_list("book__slug", "chapter__slug")
    return frozenset(f"{book}/{chapter}" if chapter else book for book, chapter in rows)


def watches_of(*, user: AbstractBaseUser) -> list[Watch]:
    """The person's watches of what they may still read, with their books and
    chapters, by book title."""
    return list(
        Watch.objects.filter(user_id=user.pk)
        .filter(
            Q(chapter__isnull=True, book__in=Book.objects.readable_by(user).values("pk"))
            # Without the first condition a watch of a whole book (no chapter) would
            # pass: the chapter's conditions hold on the missing row.
            | Q(chapter__isnull=False) & chapter_readable_q(user, through="chapter__")
        )
        .select_related("book", "chapter")
        .order_by("book__title", "book_id", "chapter__position", "chapter_id")
    )
