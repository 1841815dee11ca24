"""Email to commenters. Each kind can be switched off on the person's profile."""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string

log = logging.getLogger(__name__)


def _site_url(path: str) -> str:
    return settings.WETHINK_SITE_URL.rstrip("/") + path


def _send(*, to, subject: str, template: str, context: dict) -> bool:
    if not to.email:
        return False
    body = render_to_string(template, {**context, "recipient": to, "site_url": _site_url("")})
    try:
        send_mail(subject, body, None, [to.email])
    except OSError:
        # Mail trouble must not break commenting; the comment itself is saved.
        log.exception("could not send %r to %s", subject, to.email)
        return False
    return True


def notify_reply(*, reply) -> bool:
    """Tell the parent comment's author that someone replied, unless they replied
    to themselves or switched these emails off."""
    from accounts.services import profile_get

    parent = reply.parent
    to = parent.author
    if to.pk == reply.author_id or not to.is_active:
        return False
    if not profile_get(to).notify_replies:
        return False
    return _send(
        to=to,
        subject=f"{reply.author.get_username()} replied to your comment",
        template="comments/email/reply.txt",
        context={"reply": reply, "parent": parent, "url": _site_url(reply.get_absolute_url())},
    )


def notify_decision(*, comment) -> bool:
    """Tell a commenter that their comment was accepted or folded into the text."""
    from accounts.services import profile_get

    to = comment.author
    if not to.is_active or not profile_get(to).notify_decisions:
        return False
    return _send(
        to=to,
        subject=f"Your comment was {comment.get_decision_display()}",
        template="comments/email/decision.txt",
        context={"comment": comment, "url": _site_url(comment.get_absolute_url())},
    )
