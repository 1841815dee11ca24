"""Editors' decisions on comments: what a decision may follow, what pages offer
(`decision_actions`), and `comments_decide`, the one place decisions are written."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Book
from comments.caching import comments_changed
from comments.models import Comment
from comments.notifications import notify_decision, notify_reply
from comments.services import reply_row
from comments.signals import comments_decided
from comments.texts import text_clean
from wethink.rendering import render_comment

# What a decision may follow. Incorporation is not a decision an editor picks
# here: it is what folding an accepted comment into a revision does.
DECISIONS_AFTER = {
    Comment.Decision.OPEN: {
        Comment.Decision.ACCEPTED,
        Comment.Decision.DECLINED,
        Comment.Decision.DEFERRED,
    },
    Comment.Decision.DEFERRED: {
        Comment.Decision.ACCEPTED,
        Comment.Decision.DECLINED,
        Comment.Decision.OPEN,
    },
    Comment.Decision.ACCEPTED: {
        Comment.Decision.DECLINED,
        Comment.Decision.DEFERRED,
        Comment.Decision.OPEN,
    },
    Comment.Decision.DECLINED: {Comment.Decision.ACCEPTED, Comment.Decision.OPEN},
    Comment.Decision.INCORPORATED: set(),
}
# The word a form sends for each decision, in the order pages offer them.
DECISION_ACTIONS = {
    Comment.Decision.ACCEPTED: "accept",
    Comment.Decision.DEFERRED: "defer",
    Comment.Decision.OPEN: "reopen",
    Comment.Decision.DECLINED: "reject",
}


def decision_actions(decision: str) -> list[str]:
    """What an editor may do next with a comment that is `decision` (the words
    `comments:decide` takes, in the order pages offer them): the one place pages
    learn the transitions `comments_decide` allows."""
    allowed = DECISIONS_AFTER.get(decision, set())
    return [action for state, action in DECISION_ACTIONS.items() if state in allowed]


@transaction.atomic
def comments_decide(
    *,
    user: AbstractBaseUser,
    comments: list[Comment],
    decision: str,
    reason: str = "",
) -> list[Comment]:
    """A book's editors accept, decline or defer top-level comments (several at
    once, e.g. a group of near-duplicates). A reason given when declining is
    posted as the editor's reply, so the commenter reads it in the thread.
    Accepted commenters are emailed, and replied-to commenters as for any reply,
    after the transaction commits. All or nothing: one refused comment refuses
    the whole call. A fixed number of queries, however many comments."""
    if decision not in {c.value for c in Comment.Decision} or decision == "incorporated":
        raise ValidationError(_("Unknown decision “%(d)s”.") % {"d": decision})
    reason = text_clean(reason, label=_("Reason"), required=False)
    if not comments:
        return comments
    editable = set(
        Book.objects.editable_by(user)
        .filter(pk__in={comment.book_id for comment in comments})
        .values_list("pk", flat=True)
    )
    # Checked against the rows as they are now, locked: a fold may have
    # incorporated a comment since the page was drawn.
    now_rows = {
        row["pk"]: row
        for row in Comment.objects.select_for_update(no_key=True)
        .filter(pk__in=[comment.pk for comment in comments])
        .order_by("pk")
        .values("pk", "decision", "parent_id", "deleted_at")
    }
    for comment in comments:
        if comment.book_id not in editable:
            raise PermissionDenied(_("Only the book's editors can decide on its comments."))
        row = now_rows.get(comment.pk)
        if row is None or row["parent_id"] is not None or row["deleted_at"] is not None:
            raise ValidationError(_("Only comments, not replies, are decided on."))
        comment.decision = row["decision"]
        if decision not in DECISIONS_AFTER[comment.decision]:
            raise ValidationError(
                _("A comment that is %(now)s cannot become %(next)s.")
                % {"now": comment.get_decision_display(), "next": decision}
            )
    now = timezone.now()
    Comment.objects.filter(pk__in=now_rows).update(
        decision=decision, decided_by=user, decided_at=now, decision_reason=reason
    )
    comments_changed(comments)
    for comment in comments:
        comment.decision = decision
        comment.decided_by = user
        comment.decided_at = now
        comment.decision_reason = reason
    comments_decided.send(sender=Comment, comments=comments, decision=decision, actor=user)
    if decision == Comment.Decision.DECLINED and reason:
        _replies_save(parents=comments, author=user, body=reason)
    if decision == Comment.Decision.ACCEPTED:
        for comment in comments:
            transaction.on_commit(
                lambda comment=comment: notify_decision(comment=comment), robust=True
            )
    return comments


def _replies_save(*, parents: list[Comment], author: AbstractBaseUser, body: str) -> list[Comment]:
    """The same visible reply to each of `parents` (top-level comments), in one
    insert, each announced by email as `_reply_save` does."""
    body_html = render_comment(body)
    replies = []
    for parent in parents:
        replies.append(
            reply_row(
                parent=parent,
                author=author,
                body=body,
                body_html=body_html,
                moderation=Comment.Moderation.VISIBLE,
            )
        )
    Comment.objects.bulk_create(replies)
    for reply in replies:
        transaction.on_commit(lambda reply=reply: notify_reply(reply=reply), robust=True)
    return replies
