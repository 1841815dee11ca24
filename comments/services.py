"""Readers' and moderators' writes to comments: post (on a paragraph, the chapter or
the book as a whole), reply, edit, delete, vote, flag, moderate, and placing a
comment on removed text. Editors' decisions are `comments.decisions`; folding is
`comments.folding`.

Each function checks who may do it, validates everything before writing, and
writes in one transaction. Errors are `ValidationError` (bad input, with the
texts' rules in `comments.texts` and passages found by `comments.quotes`),
`PermissionDenied` (not allowed), or `RateLimited` and `AlreadyPosted`
(`comments.posting`: too many comments, or the same form sent twice).
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Block, Book, Chapter, ChapterRevision
from chapters.periods import book_comments_closed_reason, comments_closed_reason
from comments.caching import comments_changed
from comments.models import (
    MAX_DEPTH,
    WHOLE_BOOK,
    WHOLE_CHAPTER,
    Comment,
    CommentEdit,
    Flag,
    Vote,
)
from comments.notifications import notify_reply
from comments.posting import form_token_check, rate_limit_check, save_once
from comments.quotes import quote_locate
from comments.signals import comment_changed, comment_replied
from comments.texts import text_clean
from wethink import pagecache
from wethink.rendering import render_comment

log = logging.getLogger(__name__)

# The related rows of a comment being written are ones its service has just read
# (the chapter, its book and revision, the parent comment) or locked (the author,
# in `rate_limit_check`): `full_clean` leaves them out rather than spend a query on
# each to find them again; the database's foreign keys still hold at commit. Leaving
# out the author also leaves out the constraints naming it, which the service
# checks itself and the database enforces.
FETCHED = ["book", "chapter", "revision", "parent", "author"]


def _first_moderation(*, book: Book, user: AbstractBaseUser) -> str:
    """A new reader's first comment waits for approval where the book asks for it."""
    if book.moderation != Book.Moderation.FIRST_COMMENT or book.is_editor(user):
        return Comment.Moderation.VISIBLE
    known = Comment.objects.filter(author=user, moderation=Comment.Moderation.VISIBLE).exists()
    return Comment.Moderation.VISIBLE if known else Comment.Moderation.PENDING


def _require_reader(user: AbstractBaseUser) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Log in to comment."))


def _posting_opens(*, user: AbstractBaseUser, form_token: str, closed: str | None) -> str:
    """What every new comment or reply checks first: a signed-in reader, a form not
    sent before (AlreadyPosted), a place that takes comments (`closed`: why not).
    Returns the form token to keep."""
    _require_reader(user)
    form_token = form_token_check(user=user, form_token=form_token)
    if closed:
        raise PermissionDenied(closed)
    return form_token


@transaction.atomic
def comment_create(
    *,
    user: AbstractBaseUser,
    chapter: Chapter,
    pid: str,
    body: str,
    quote: str = "",
    quote_prefix: str = "",
    suggestion: str = "",
    revision: ChapterRevision | None = None,
    form_token: str = "",
) -> Comment:
    """A signed-in reader comments on block `pid` of `revision` (default: the
    current one), optionally on a passage of it and with suggested wording.
    The comment is anchored where that block stands now. A `form_token` the
    reader used before raises AlreadyPosted: a form sent twice stores one comment."""
    form_token = _posting_opens(
        user=user, form_token=form_token, closed=comments_closed_reason(chapter)
    )
    book = chapter.book
    body = text_clean(body, label=_("Your comment"), required=True)
    suggestion = text_clean(suggestion, label=_("Suggested wording"), required=False)
    quote = text_clean(quote, label=_("Quote"), required=False)
    revision = revision or chapter.current_revision
    if revision is None or revision.chapter_id != chapter.pk:
        raise ValidationError(_("That revision is not part of this chapter."))
    if pid == WHOLE_CHAPTER:
        # A remark on the whole chapter has no paragraph to quote or reword.
        if quote or suggestion:
            raise ValidationError(
                _("A comment on the chapter as a whole has no quote or suggested wording.")
            )
        block_text = ""
    else:
        block = Block.objects.filter(revision=revision, pid=pid).only("text").first()
        if block is None:
            raise ValidationError(
                _("Paragraph %(pid)s is not in revision %(n)s of this chapter.")
                % {"pid": pid, "n": revision.number}
            )
        block_text = block.text
    located = quote_locate(block_text=block_text, exact=quote, prefix=quote_prefix)
    rate_limit_check(user=user)
    comment = Comment(
        book=book,
        chapter=chapter,
        pid=pid,
        origin_pid=pid,
        revision=revision,
        block_text=block_text,
        quote_exact=located.exact,
        quote_prefix=located.prefix,
        quote_suffix=located.suffix,
        body=body,
        body_html=render_comment(body),
        suggestion=suggestion,
        author=user,
        moderation=_first_moderation(book=book, user=user),
        form_token=form_token,
    )
    comment.anchor_state = _anchor_state_now(comment)
    comment.full_clean(exclude=FETCHED)
    save_once(comment)
    return comment


@transaction.atomic
def comment_create_on_book(
    *,
    user: AbstractBaseUser,
    book: Book,
    body: str,
    quote: str = "",
    suggestion: str = "",
    form_token: str = "",
) -> Comment:
    """A signed-in reader comments on the book as a whole (its discussion): no
    chapter, no revision, and so no quote or suggested wording (given, they are
    refused). Open while the book takes comments (its status and closing date).
    A `form_token` the reader used before raises AlreadyPosted."""
    form_token = _posting_opens(
        user=user, form_token=form_token, closed=book_comments_closed_reason(book)
    )
    body = text_clean(body, label=_("Your comment"), required=True)
    if (quote or "").strip() or (suggestion or "").strip():
        raise ValidationError(
            _("A comment on the book as a whole has no quote or suggested wording.")
        )
    rate_limit_check(user=user)
    comment = Comment(
        book=book,
        pid=WHOLE_BOOK,
        origin_pid=WHOLE_BOOK,
        body=body,
        body_html=render_comment(body),
        author=user,
        moderation=_first_moderation(book=book, user=user),
        form_token=form_token,
    )
    comment.full_clean(exclude=FETCHED)
    save_once(comment)
    return comment


def closed_reason(comment: Comment) -> str | None:
    """Why the place of `comment` (its chapter, or its book as a whole) takes no new
    comments or replies now, or None when it does."""
    if comment.on_whole_book:
        return book_comments_closed_reason(comment.book)
    return comments_closed_reason(comment.chapter)


def _anchor_state_now(comment: Comment) -> str:
    """A comment written on an old revision may already refer to changed or removed text."""
    chapter = comment.chapter
    if comment.revision_id == chapter.current_revision_id or comment.on_whole_chapter:
        return Comment.AnchorState.CURRENT
    now = Block.objects.filter(revision_id=chapter.current_revision_id, pid=comment.pid).first()
    if now is None:
        return Comment.AnchorState.ORPHANED
    if now.text == comment.block_text:
        return Comment.AnchorState.CURRENT
    return Comment.AnchorState.CHANGED


@transaction.atomic
def comment_reply(
    *, user: AbstractBaseUser, parent: Comment, body: str, form_token: str = ""
) -> Comment:
    """A reply joins its parent's thread and anchoring; replies to the deepest
    level join that level. A `form_token` used before raises AlreadyPosted."""
    form_token = _posting_opens(user=user, form_token=form_token, closed=closed_reason(parent))
    if parent.is_deleted or parent.moderation != Comment.Moderation.VISIBLE:
        raise ValidationError(_("You can only reply to a visible comment."))
    body = text_clean(body, label=_("Your reply"), required=True)
    rate_limit_check(user=user)
    if parent.depth >= MAX_DEPTH:
        parent = parent.parent
    return _reply_save(
        parent=parent,
        author=user,
        body=body,
        moderation=_first_moderation(book=parent.book, user=user),
        form_token=form_token,
    )


def reply_row(*, parent: Comment, author: AbstractBaseUser, body: str, body_html: str, **fields):
    """A reply to `parent`, checked and not saved yet: in its parent's place and
    anchoring, one level deeper."""
    reply = Comment(
        book_id=parent.book_id,
        chapter_id=parent.chapter_id,
        pid=parent.pid,
        origin_pid=parent.origin_pid,
        revision_id=parent.revision_id,
        block_text=parent.block_text,
        anchor_state=parent.anchor_state,
        body=body,
        body_html=body_html,
        parent=parent,
        depth=parent.depth + 1,
        author=author,
        **fields,
    )
    # The related rows are the parent's own, read (and locked) by the caller.
    reply.full_clean(exclude=FETCHED)
    return reply


def _reply_save(
    *, parent: Comment, author: AbstractBaseUser, body: str, moderation: str, form_token: str = ""
) -> Comment:
    """A reply shares its parent's anchoring; a visible one is announced by email."""
    reply = reply_row(
        parent=parent,
        author=author,
        body=body,
        body_html=render_comment(body),
        moderation=moderation,
        form_token=form_token,
    )
    save_once(reply)
    comment_replied.send(sender=Comment, reply=reply)
    if reply.moderation == Comment.Moderation.VISIBLE:
        transaction.on_commit(lambda: notify_reply(reply=reply), robust=True)
    return reply


def _require_author(user: AbstractBaseUser, comment: Comment) -> None:
    if not user.is_authenticated or comment.author_id != user.pk:
        raise PermissionDenied(_("Only the comment's author can change it."))
    if comment.is_deleted:
        raise ValidationError(_("This comment was removed."))


def _earlier_text_keep(comment: Comment) -> CommentEdit:
    """Keep the comment's text as it is now, before an edit or a removal changes it."""
    return CommentEdit.objects.create(
        comment=comment,
        body=comment.body,
        suggestion=comment.suggestion,
        quote_exact=comment.quote_exact,
    )


def _edit_place(comment: Comment) -> str:
    if comment.parent_id is not None:
        return _("a reply")
    if comment.on_whole_book:
        return _("the book as a whole")
    return _("the chapter as a whole")


@transaction.atomic
def comment_edit(
    *, user: AbstractBaseUser, comment: Comment, body: str, suggestion: str | None = None
) -> Comment:
    """The author edits their comment; the previous text is kept as a CommentEdit."""
    _require_author(user, comment)
    body = text_clean(body, label=_("Your comment"), required=True)
    if suggestion is None:
        suggestion = comment.suggestion
    suggestion = text_clean(suggestion, label=_("Suggested wording"), required=False)
    if suggestion and suggestion != comment.suggestion and not comment.takes_suggestion:
        raise ValidationError(
            _("Only a comment on a paragraph can suggest wording; this one is on %(place)s.")
            % {"place": _edit_place(comment)}
        )
    if body == comment.body and suggestion == comment.suggestion:
        return comment
    _earlier_text_keep(comment)
    comment.body = body
    comment.body_html = render_comment(body)
    comment.suggestion = suggestion
    comment.edited_at = timezone.now()
    # Only the text changes: its related rows are the ones it was saved with.
    comment.full_clean(exclude=[*FETCHED, "decided_by", "incorporated_in"])
    comment.save(update_fields=["body", "body_html", "suggestion", "edited_at"])
    return comment


@transaction.atomic
def comment_delete(*, user: AbstractBaseUser, comment: Comment) -> Comment:
    """The author removes their comment: it shows as removed and its replies stay.
    The text is kept (as a CommentEdit) for moderators."""
    _require_author(user, comment)
    _earlier_text_keep(comment)
    comment.deleted_at = timezone.now()
    comment.body = ""
    comment.body_html = ""
    comment.suggestion = ""
    comment.save(update_fields=["deleted_at", "body", "body_html", "suggestion"])
    comment_changed.send(sender=Comment, comment=comment, approved=False)
    return comment


@transaction.atomic
def vote_toggle(*, user: AbstractBaseUser, comment: Comment, voted: bool | None = None) -> bool:
    """One vote per reader per comment: a second call takes the vote back. With
    `voted` given, the call sets the vote instead, so repeating it changes nothing.
    Returns whether the reader now votes for it.

    Calls for one comment take its row lock first and so run one after the other:
    simultaneous calls never make two votes, never fail on the one-vote constraint,
    and `vote_count` stays the number of votes."""
    _require_reader(user)
    if comment.author_id == user.pk:
        raise ValidationError(_("You cannot vote for your own comment."))
    if comment.is_deleted or comment.moderation != Comment.Moderation.VISIBLE:
        raise ValidationError(_("You can only vote for a visible comment."))
    list(Comment.objects.select_for_update(no_key=True).filter(pk=comment.pk).values_list("pk"))
    has_vote = Vote.objects.filter(comment=comment, user=user).exists()
    wanted = not has_vote if voted is None else voted
    if wanted and not has_vote:
        try:
            # Without row locks (SQLite) a simultaneous call may have inserted it.
            with transaction.atomic():
                Vote.objects.create(comment=comment, user=user)
        except IntegrityError:
            pass
        else:
            Comment.objects.filter(pk=comment.pk).update(vote_count=F("vote_count") + 1)
    elif not wanted and has_vote:
        deleted, _ignored = Vote.objects.filter(comment=comment, user=user).delete()
        if deleted:
            Comment.objects.filter(pk=comment.pk).update(vote_count=F("vote_count") - 1)
    if wanted != has_vote:
        # Threads show the count, and every thread the author's reputation.
        comments_changed([comment])
    comment.refresh_from_db(fields=["vote_count"])
    return wanted


def flag_refusal(*, user: AbstractBaseUser, comment: Comment) -> str | None:
    """Why `user` may not flag `comment`, or None when they may."""
    if comment.author_id == user.pk:
        return _("This is your own comment: you can edit or delete it, not flag it.")
    if Flag.objects.filter(comment=comment, user_id=user.pk).exists():
        return _("You have already flagged this comment; the book's editors will look at it.")
    return None


@transaction.atomic
def flag_create(
    *, user: AbstractBaseUser, comment: Comment, reason: str, kind: str = Flag.Kind.OTHER
) -> Flag:
    """Any signed-in reader may flag someone else's comment once, with a kind
    (spam, abusive, off-topic, other) and, for "other", a reason in their words."""
    _require_reader(user)
    refusal = flag_refusal(user=user, comment=comment)
    if refusal:
        raise ValidationError(refusal)
    if kind not in Flag.Kind.values:
        raise ValidationError(_("Choose why you flag this comment."))
    required = kind == Flag.Kind.OTHER
    reason = text_clean(reason, label=_("Reason"), required=required)[:500]
    flag, created = Flag.objects.get_or_create(
        comment=comment, user=user, defaults={"reason": reason, "kind": kind}
    )
    if not created:
        raise ValidationError(_("You have already flagged this comment."))
    # Editors' header counts flagged comments (comments.attention).
    pagecache.versions_bump([pagecache.FEEDBACK])
    return flag


MODERATION_ACTIONS = {
    "approve": Comment.Moderation.VISIBLE,
    "hide": Comment.Moderation.HIDDEN,
    "spam": Comment.Moderation.SPAM,
}


@transaction.atomic
def comment_moderate(
    *, user: AbstractBaseUser, comment: Comment, action: str, reason: str = ""
) -> Comment:
    """The book's editors and staff approve, hide (with a reason the author sees)
    or mark a comment as spam. Its flags are resolved. Hidden comments are kept."""
    if not comment.book.is_editor(user):
        raise PermissionDenied(_("Only the book's editors can moderate its comments."))
    if action not in MODERATION_ACTIONS:
        raise ValidationError(_("Unknown moderation action “%(action)s”.") % {"action": action})
    reason = text_clean(reason, label=_("Reason"), required=action == "hide")[:500]
    comment.moderation = MODERATION_ACTIONS[action]
    comment.moderation_reason = reason if action != "approve" else ""
    comment.save(update_fields=["moderation", "moderation_reason"])
    comment.flags.filter(resolved_at__isnull=True).update(resolved_at=timezone.now())
    comment_changed.send(sender=Comment, comment=comment, approved=action == "approve")
    log.info("moderation: %s %s comment %s (%s)", user, action, comment.pk, reason)
    return comment


@transaction.atomic
def comment_attach(*, user: AbstractBaseUser, comment: Comment, pid: str) -> Comment:
    """An editor places an orphaned comment on a block of its chapter's current text."""
    if not comment.book.is_editor(user):
        raise PermissionDenied(_("Only the book's editors can place comments."))
    if comment.anchor_state != Comment.AnchorState.ORPHANED or comment.parent_id is not None:
        raise ValidationError(_("Only comments on removed text can be placed."))
    block = Block.objects.filter(revision_id=comment.chapter.current_revision_id, pid=pid).first()
    if block is None:
        raise ValidationError(_("That paragraph is not in the current text of this chapter."))
    state = (
        Comment.AnchorState.CURRENT
        if block.text == comment.block_text
        else Comment.AnchorState.CHANGED
    )
    family = (
        Comment.objects.filter(pk=comment.pk)
        | Comment.objects.filter(parent=comment)
        | Comment.objects.filter(parent__parent=comment)
    )
    family.update(pid=pid, anchor_state=state)
    comments_changed([comment])
    comment.refresh_from_db()
    return comment
