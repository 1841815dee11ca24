"""Every write to comments: post, reply, edit, delete, vote, flag, moderate.

Each function checks who may do it, validates everything before writing, and
writes in one transaction. Errors are `ValidationError` (bad input),
`PermissionDenied` (not allowed) or `RateLimited` (too many comments).
"""

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from chapters.models import Block, Book, Chapter, ChapterRevision
from chapters.periods import book_comments_closed_reason, comments_closed_reason
from comments.models import (
    MAX_BODY,
    MAX_DEPTH,
    WHOLE_BOOK,
    WHOLE_CHAPTER,
    Comment,
    CommentEdit,
    Flag,
    Vote,
)
from comments.notifications import notify_decision, notify_reply
from comments.signals import comment_changed, comment_replied, comments_decided
from wethink import pagecache
from wethink.rendering import render_comment

log = logging.getLogger(__name__)

# Characters below U+0020 other than tab, newline and carriage return, and DEL.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
QUOTE_CONTEXT = 32
# A run of letters and digits. An apostrophe ends it, so "reader" in "reader's"
# stays a whole word. Scripts written without spaces (Chinese, Japanese, Thai,
# Lao, Khmer, Myanmar) have no word edges to find in the text: never widened.
WORD = re.compile(
    r"[^\W\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf"
    r"\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]+"
)


class RateLimited(Exception):
    """Too many comments from one account in a short time."""


# The related rows of a comment being written are ones its service has just read
# (the chapter, its book and revision, the parent comment) or locked (the author,
# in `rate_limit_check`): `full_clean` leaves them out rather than spend a query on
# each to find them again; the database's foreign keys still hold at commit. Leaving
# out the author also leaves out the constraints naming it, which the service
# checks itself and the database enforces.
FETCHED = ["book", "chapter", "revision", "parent", "author"]


class AlreadyPosted(Exception):
    """The form was sent before (its one-time token is used): `comment` is what it made."""

    def __init__(self, comment: Comment):
        super().__init__(_("This was posted already."))
        self.comment = comment


FORM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _form_token_check(*, user: AbstractBaseUser, form_token: str) -> str:
    """A well-formed token not used yet by `user`, or "" (no token: nothing to check).
    A used one raises AlreadyPosted with the comment it made."""
    if not form_token or not FORM_TOKEN.fullmatch(form_token):
        return ""
    earlier = Comment.objects.filter(author_id=user.pk, form_token=form_token).first()
    if earlier is not None:
        raise AlreadyPosted(earlier)
    return form_token


def _save_once(comment: Comment) -> None:
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


def text_clean(value: str, *, label: str, required: bool) -> str:
    """Refuse empty, overlong and control-character text, with a message naming the field."""
    value = (value or "").replace("\r\n", "\n")
    if CONTROL_CHARS.search(value):
        raise ValidationError(
            _("%(label)s contains control characters; remove them and try again.")
            % {"label": label}
        )
    value = value.strip()
    if required and not value:
        raise ValidationError(_("%(label)s is empty.") % {"label": label})
    if len(value) > MAX_BODY:
        raise ValidationError(
            _("%(label)s is %(n)s characters long; the limit is %(max)s.")
            % {"label": label, "n": len(value), "max": MAX_BODY}
        )
    return value


@dataclass(frozen=True)
class Quote:
    exact: str
    prefix: str
    suffix: str


def word_span(text: str, start: int, end: int) -> tuple[int, int]:
    """Widen `text[start:end]` so it neither starts nor ends inside a word.

    A suggestion replaces its quote exactly, so a quote cut inside a word
    ("on a paragrap") would leave the rest of the word behind ("in the margin.h").
    Works on any text: a block's plain text, or the Markdown the fold edits."""
    for word in WORD.finditer(text):
        if word.start() >= end:
            break
        if word.start() < start < word.end():
            start = word.start()
        if word.start() < end < word.end():
            end = word.end()
    return start, end


def quote_locate(*, block_text: str, exact: str, prefix: str = "") -> Quote:
    """Find a passage in a block's text and take the context around it, as a W3C
    TextQuoteSelector does. When the passage occurs more than once, the prefix
    (if given) picks the occurrence; otherwise the first one made of whole words,
    else the first one. A passage that starts or ends inside a word is widened
    to whole words, whichever way it came (form, API)."""
    exact = " ".join(exact.split())
    if not exact:
        return Quote("", "", "")
    starts = [m.start() for m in re.finditer(re.escape(exact), block_text)]
    if not starts:
        raise ValidationError(
            _("The quoted passage is not in this paragraph; copy it exactly from the text.")
        )
    whole = [s for s in starts if word_span(block_text, s, s + len(exact)) == (s, s + len(exact))]
    start = (whole or starts)[0]
    if prefix and len(starts) > 1:
        start = next((s for s in starts if block_text[:s].endswith(prefix)), start)
    start, end = word_span(block_text, start, start + len(exact))
    exact = block_text[start:end]
    return Quote(
        exact,
        block_text[max(0, start - QUOTE_CONTEXT) : start],
        block_text[end : end + QUOTE_CONTEXT],
    )


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


def _first_moderation(*, book: Book, user: AbstractBaseUser) -> str:
    """A new reader's first comment waits for approval where the book asks for it."""
    if book.moderation != Book.Moderation.FIRST_COMMENT or book.is_editor(user):
        return Comment.Moderation.VISIBLE
    known = Comment.objects.filter(author=user, moderation=Comment.Moderation.VISIBLE).exists()
    return Comment.Moderation.VISIBLE if known else Comment.Moderation.PENDING


def _require_reader(user: AbstractBaseUser) -> None:
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Log in to comment."))


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
    _require_reader(user)
    form_token = _form_token_check(user=user, form_token=form_token)
    book = chapter.book
    closed = comments_closed_reason(chapter)
    if closed:
        raise PermissionDenied(closed)
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
    _save_once(comment)
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
    _require_reader(user)
    form_token = _form_token_check(user=user, form_token=form_token)
    closed = book_comments_closed_reason(book)
    if closed:
        raise PermissionDenied(closed)
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
    _save_once(comment)
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
    _require_reader(user)
    form_token = _form_token_check(user=user, form_token=form_token)
    closed = closed_reason(parent)
    if closed:
        raise PermissionDenied(closed)
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


def _reply_save(
    *, parent: Comment, author: AbstractBaseUser, body: str, moderation: str, form_token: str = ""
) -> Comment:
    """A reply shares its parent's anchoring; a visible one is announced by email."""
    reply = Comment(
        book=parent.book,
        chapter=parent.chapter,
        pid=parent.pid,
        origin_pid=parent.origin_pid,
        revision=parent.revision,
        block_text=parent.block_text,
        anchor_state=parent.anchor_state,
        body=body,
        body_html=render_comment(body),
        parent=parent,
        depth=parent.depth + 1,
        author=author,
        moderation=moderation,
        form_token=form_token,
    )
    reply.full_clean(exclude=FETCHED)
    _save_once(reply)
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
        pagecache.comments_changed([comment])
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
    pagecache.comments_changed(comments)
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
            moderation=Comment.Moderation.VISIBLE,
        )
        # The related rows are the parent's own, read and locked above (FETCHED).
        reply.full_clean(exclude=FETCHED)
        replies.append(reply)
    Comment.objects.bulk_create(replies)
    for reply in replies:
        transaction.on_commit(lambda reply=reply: notify_reply(reply=reply), robust=True)
    return replies


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
    pagecache.chapters_changed(chapter_ids=[comment.chapter_id])
    comment.refresh_from_db()
    return comment
