"""What keeps a post from going in too often or twice: the per-minute limit per
account, and the one-time token of each comment form (Back, then Post again)."""

import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comments.models import Comment


class RateLimited(Exception):
    """Too many comments from one account in a short time."""


class AlreadyPosted(Exception):
    """The form was sent before (its one-time token is used): `comment` is what it made."""

    def __init__(self, comment: Comment):
        super().__init__(_("This was posted already."))
        self.comment = comment


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def form_token_check(*, user: AbstractBaseUser, form_token: str) -> str:
    """A well-formed token not used yet by `user`, or "" (no token: nothing to check).
    A used one raises AlreadyPosted with the comment it made."""
    if not form_token or not FORM_TOKEN.fullmatch(form_token):
        return ""
    earlier = Comment.objects.filter(author_id=user.pk, form_token=form_token).first()
    if earlier is not None:
        raise AlreadyPosted(earlier)
    return form_token


def save_once(comment: Comment) -> None:
    """Save a new comment; a simultaneous post of the same form loses to the first."""
    try:
        with transaction.atomic():
            comment.save()
    except IntegrityError:
        earlier = Comment.objects.filter(
            author_id=comment.author_id, form_token=comment.form_token
        ).first()
        if not comment.form_token or earlier is None:
            raise
        raise AlreadyPosted(earlier) from None


def rate_limit_check(*, user: AbstractBaseUser) -> None:
    """At most WETHINK_COMMENTS_PER_MINUTE comments (and replies) in any 60 seconds
    per account. Call it inside the transaction that saves the comment.

    The count is of the account's comments in the database, after locking the
    account's row: simultaneous posts by one account, from any number of workers,
    are counted one after the other, and the limit needs no shared cache (a
    per-process cache let 29 of 30 simultaneous posts through)."""
    limit = settings.WETHINK_COMMENTS_PER_MINUTE
    # FOR NO KEY UPDATE: the checks of one account wait for each other, while rows
    # that merely refer to the account (its votes, flags) are not held up.
    account = get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk)
    list(account.values_list("pk"))
    since = timezone.now() - timedelta(minutes=1)
    count = Comment.objects.filter(author_id=user.pk, created_at__gte=since).count()
    if count >= limit:
        raise RateLimited(
            _("You have posted %(limit)s comments in the last minute; wait a moment.")
            % {"limit": limit}
        )
