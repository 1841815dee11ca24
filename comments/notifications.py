"""Email to commenters. Each kind can be switched off on the person's profile.

`notify_reply` and `notify_decision` are called after the write commits; they
only enqueue a task with the comment's id, so a slow or absent mail server never
holds up a page. The task builds the message from the database when it runs
and is retried while the mail server is down (wethink/tasks.py).
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from wethink.tasks import mail_deliver


def _site_url(path: str) -> str:
    return settings.WETHINK_SITE_URL.rstrip("/") + path


def _message(*, to, subject: str, template: str, context: dict) -> EmailMessage | None:
    if not to.email:
        return None
    body = render_to_string(template, {**context, "recipient": to, "site_url": _site_url("")})
    return EmailMessage(subject=subject, body=body, to=[to.email])


def reply_message(*, reply_id: int) -> EmailMessage | None:
    """The email telling a parent comment's author about a reply, or None when
    there is nothing to tell: the reply is gone or not shown, they replied to
    themselves, or they switched these emails off."""
    from accounts.services import profile_get
    from comments.models import Comment

    reply = (
        Comment.objects.select_related("author", "parent__author", "chapter", "book")
        .filter(pk=reply_id, deleted_at__isnull=True, moderation=Comment.Moderation.VISIBLE)
        .first()
    )
    if reply is None or reply.parent is None:
        return None
    parent = reply.parent
    to = parent.author
    if to.pk == reply.author_id or not to.is_active:
        return None
    if not profile_get(to).notify_replies:
        return None
    return _message(
        to=to,
        subject=_("%(name)s replied to your comment") % {"name": reply.author.get_username()},
        template="comments/email/reply.txt",
        context={"reply": reply, "parent": parent, "url": _site_url(reply.get_absolute_url())},
    )


def decision_message(*, comment_id: int) -> EmailMessage | None:
    """The email telling a commenter their comment was accepted or folded into
    the text, or None when that is no longer so or they switched these off."""
    from accounts.services import profile_get
    from comments.models import Comment

    comment = (
        Comment.objects.select_related("author", "chapter", "book", "incorporated_in")
        .filter(
            pk=comment_id,
            deleted_at__isnull=True,
            decision__in=[Comment.Decision.ACCEPTED, Comment.Decision.INCORPORATED],
        )
        .first()
    )
    if comment is None:
        return None
    to = comment.author
    if not to.is_active or not profile_get(to).notify_decisions:
        return None
    return _message(
        to=to,
        subject=(
            _("Your comment was incorporated into the text")
            if comment.decision == Comment.Decision.INCORPORATED
            else _("Your comment was accepted")
        ),
        template="comments/email/decision.txt",
        context={"comment": comment, "url": _site_url(comment.get_absolute_url())},
    )


@task
def send_reply_email(reply_id: int, attempt: int = 1) -> bool:
    return mail_deliver(
        message=reply_message(reply_id=reply_id),
        task=send_reply_email,
        attempt=attempt,
        retry_kwargs={"reply_id": reply_id},
    )


@task
def send_decision_email(comment_id: int, attempt: int = 1) -> bool:
    return mail_deliver(
        message=decision_message(comment_id=comment_id),
        task=send_decision_email,
        attempt=attempt,
        retry_kwargs={"comment_id": comment_id},
    )


def notify_reply(*, reply) -> None:
    """Tell the parent comment's author that someone replied (enqueued)."""
    send_reply_email.enqueue(reply_id=reply.pk)


def notify_decision(*, comment) -> None:
    """Tell a commenter that their comment was accepted or folded into the text (enqueued)."""
    send_decision_email.enqueue(comment_id=comment.pk)
