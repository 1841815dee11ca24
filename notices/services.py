"""Every write to watches and inboxes.

Inbox items are written by the comment writes themselves (`comments.services`,
`comments.folding`), in the transaction of the reply or decision they tell of,
so an item exists exactly when its event does. Each write that changes what a
person's header shows (their unread count, what they watch) calls
`people_changed`, which renews their header facts once the transaction commits.
"""

from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.usercache import people_changed
from notices.models import InboxItem, Watch

UNSUBSCRIBE_SALT = "notices.unsubscribe"


# --- Watching ---------------------------------------------------------------------


@transaction.atomic
def watch_set(*, user: AbstractBaseUser, book, chapter=None, on: bool) -> bool:
    """Start (`on`) or stop watching `chapter`, or the whole `book` when `chapter`
    is None. The caller has checked that `user` may read it. Repeating a call
    changes nothing. Returns whether the person now watches it."""
    if not user.is_authenticated:
        raise PermissionDenied(_("Log in to watch a chapter or a book."))
    if chapter is not None and chapter.book_id != book.pk:
        raise PermissionDenied(_("That chapter is not in this book."))
    found = Watch.objects.filter(user=user, book=book, chapter=chapter)
    if on:
        if not found.exists():
            try:
                with transaction.atomic():
                    Watch.objects.create(user=user, book=book, chapter=chapter)
            except IntegrityError:
                pass  # the same click, sent twice at once
    else:
        found.delete()
    people_changed([user.pk])
    return on


def unsubscribe_token(*, user_id: int, watch_id: int | None = None) -> str:
    """A signed token that stops one watch, or (without `watch_id`) every watch of
    the person: the link in a digest, which works without logging in."""
    value = {"u": user_id} if watch_id is None else {"u": user_id, "w": watch_id}
    return signing.dumps(value, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> dict | None:
    """What a token stops ({"u": user id, "w": watch id or absent}), or None for a
    token this site did not sign."""
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("u"), int):
        return None
    if "w" in value and not isinstance(value["w"], int):
        return None
    return value


@transaction.atomic
def unsubscribe(*, token: str) -> int | None:
    """Stop what a signed token names. Returns how many watches stopped (0 when
    they had stopped already), or None when the token is not valid."""
    value = unsubscribe_read(token)
    if value is None:
        return None
    watches = Watch.objects.filter(user_id=value["u"])
    if "w" in value:
        watches = watches.filter(pk=value["w"])
    stopped, _detail = watches.delete()
    if stopped:
        people_changed([value["u"]])
    return stopped


# --- The inbox --------------------------------------------------------------------


def inbox_reply(*, reply) -> None:
    """A visible reply goes to the inbox of the comment's author (not when they
    replied to themselves). Called inside the reply's transaction."""
    if reply.parent_id is None or reply.moderation != reply.Moderation.VISIBLE:
        return
    parent_author_id = reply.parent.author_id
    if parent_author_id == reply.author_id:
        return
    InboxItem.objects.create(
        user_id=parent_author_id,
        comment=reply,
        kind=InboxItem.Kind.REPLY,
        actor_id=reply.author_id,
    )
    people_changed([parent_author_id])


DECISION_KINDS = {
    "accepted": InboxItem.Kind.ACCEPTED,
    "declined": InboxItem.Kind.DECLINED,
    "incorporated": InboxItem.Kind.INCORPORATED,
}


def inbox_decisions(*, comments, decision: str, actor: AbstractBaseUser) -> None:
    """Each comment's author hears of `decision` (accepted, declined or
    incorporated; others are not told), unless they made it themselves. One
    insert, inside the decision's transaction."""
    kind = DECISION_KINDS.get(str(decision))
    if kind is None:
        return
    now = timezone.now()
    items = [
        InboxItem(
            user_id=comment.author_id, comment=comment, kind=kind, actor=actor, created_at=now
        )
        for comment in comments
        if comment.author_id != actor.pk
    ]
    if items:
        InboxItem.objects.bulk_create(items)
        people_changed([item.user_id for item in items])


def inbox_comment_changed(*, comment, approved: bool = False) -> None:
    """A comment was moderated or deleted: whoever's inbox holds it sees it as it
    is now. A reply approved after waiting goes to the inbox then, as it would
    have when posted."""
    told = InboxItem.objects.filter(comment=comment, kind=InboxItem.Kind.REPLY)
    if approved and comment.parent_id is not None and not told.exists():
        inbox_reply(reply=comment)
        return
    people_changed(InboxItem.objects.filter(comment=comment).values_list("user_id", flat=True))


@transaction.atomic
def inbox_read(*, user: AbstractBaseUser, item_ids=None) -> int:
    """Mark the person's unread items read: those of `item_ids`, or all. Returns
    how many were marked."""
    unread = InboxItem.objects.filter(user_id=user.pk, read_at__isnull=True)
    if item_ids is not None:
        unread = unread.filter(pk__in=list(item_ids))
    marked = unread.update(read_at=timezone.now())
    if marked:
        people_changed([user.pk])
    return marked
