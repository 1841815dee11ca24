"""The inbox hears what happens to comments (`comments.signals`): replies,
decisions, moderation and removals. Connected in `NoticesConfig.ready`."""

from comments.signals import comment_changed, comment_replied, comments_decided
from notices.services import inbox_comment_changed, inbox_decisions, inbox_reply


def _replied(sender, *, reply, **kwargs) -> None:
    inbox_reply(reply=reply)


def _decided(sender, *, comments, decision, actor, **kwargs) -> None:
    inbox_decisions(comments=comments, decision=decision, actor=actor)


def _changed(sender, *, comment, approved=False, **kwargs) -> None:
    inbox_comment_changed(comment=comment, approved=approved)


def receivers_connect() -> None:
    comment_replied.connect(_replied, dispatch_uid="notices-inbox-reply")
    comments_decided.connect(_decided, dispatch_uid="notices-inbox-decisions")
    comment_changed.connect(_changed, dispatch_uid="notices-inbox-changed")
