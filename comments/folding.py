"""Folding accepted comments into a new revision of a chapter.

An editor works on the chapter's Markdown. A suggestion is applied to that
Markdown by finding the block it is about (by its rendered text, as the comment
saw it) and replacing the block's text, or just the quoted passage. A suggestion
whose wording has changed since it was made is never applied blindly.
"""

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from rapidfuzz import fuzz

from chapters.anchoring import Anchor, align
from chapters.diffing import BlockChange, revisions_diff
from chapters.models import Block, Chapter, ChapterRevision
from chapters.selectors import current_block_texts
from chapters.services import RevisionConflict, revision_base_check, text_normalize
from comments.markdown_chunks import (
    HEADING,
    ITEM,
    QUOTE,
    Chunk,
    chunks_join,
    chunks_split,
    loose_pattern,
)
from comments.models import Comment
from comments.notifications import notify_decision
from comments.quotes import word_span
from comments.revising import chapter_revise
from comments.selectors import fold_candidates
from comments.signals import comments_decided
from wethink.params import BadParameter, int_list, int_param, int_value
from wethink.rendering import render_chapter

# How alike the block a suggestion was made on and a block of the text must be
# for the suggestion to be applied there.
BLOCK_MATCH = 90
# Bounds on the pid hints a fold form posts back: a chapter's blocks, each a
# paragraph's text.
HINTS_MAX = 2000
HINT_TEXT_MAX = 100_000


@dataclass
class Application:
    comment: Comment
    applied: bool
    reason: str = ""


@dataclass
class FoldText:
    """The text being folded, with the suggestions applied to it so far.

    `hints` maps the pid of each paragraph a suggestion was applied to to the
    text that paragraph now has: the revision keeps the pid on it however little
    of the old wording is left (`ChapterChange.pid_hints`)."""

    text: str
    applications: list[Application] = field(default_factory=list)
    hints: dict[str, str] = field(default_factory=dict)

    def applied_ids(self) -> list[int]:
        return [a.comment.pk for a in self.applications if a.applied]


def suggestion_stale(comment: Comment, current_text: str | None) -> bool:
    """True when the words a suggestion would replace are no longer in the text."""
    if current_text is None:
        return True
    if comment.quote_exact:
        return comment.quote_exact not in current_text
    return current_text != comment.block_text


def _find_chunk(chunks: list[Chunk], wanted: str, skip: Collection[int] = ()) -> int | None:
    """The chunk whose text is `wanted`, or nearly; `skip` holds chunks already
    known to be another paragraph."""
    free = [i for i in range(len(chunks)) if i not in skip]
    exact = [i for i in free if chunks[i].text == wanted]
    if exact:
        return exact[0]
    scored = [(fuzz.ratio(chunks[i].text, wanted), i) for i in free]
    best = max(scored, default=(0, None))
    return best[1] if best[0] >= BLOCK_MATCH else None


def _marker(source: str) -> str:
    for pattern in (HEADING, ITEM, QUOTE):
        found = pattern.match(source)
        if found:
            return found.group(1)
    return ""


def suggestions_apply(
    *,
    text: str,
    comments: list[Comment],
    current_texts: dict[str, str],
    hints: Mapping[str, str] | None = None,
) -> FoldText:
    """Apply the suggestions of `comments` to Markdown `text`, in order.

    `current_texts` maps pids to the block texts of the current revision, to tell
    stale suggestions. A passage suggestion replaces the passage only; a block
    suggestion replaces the block's text and keeps its heading, list or quote
    marker. What cannot be applied safely is reported, not guessed.

    `hints` are those of earlier applications to the same text: a paragraph a
    suggestion already rewrote is found by its new text, so that several
    suggestions on one paragraph all land on it, and it keeps one pid."""
    chunks = chunks_split(text)
    result = FoldText(text=text)
    previous = dict(hints or {})
    replaced: dict[str, int] = {}  # pid -> chunk rewritten by this call
    for comment in comments:
        if not comment.suggestion:
            result.applications.append(Application(comment, False, _("No suggested wording.")))
            continue
        current = current_texts.get(comment.pid)
        if suggestion_stale(comment, current):
            result.applications.append(
                Application(comment, False, _("The wording has changed since; apply it by hand."))
            )
            continue
        index = replaced.get(comment.pid)
        others = {i for pid, i in replaced.items() if pid != comment.pid}
        if index is None and comment.pid in previous:
            index = _find_chunk(chunks, previous[comment.pid], others)
        if index is None:
            index = _find_chunk(chunks, current, others)
        if index is None:
            result.applications.append(
                Application(comment, False, _("The paragraph is no longer in the text below."))
            )
            continue
        chunk = chunks[index]
        if comment.quote_exact:
            source = _replace_passage(chunk.source, comment)
            if source is None:
                reason = (
                    _("The passage has formatting inside it; apply it by hand.")
                    if comment.quote_exact in chunk.text
                    else _("The passage was already changed in the text below.")
                )
                result.applications.append(Application(comment, False, reason))
                continue
        else:
            source = _marker(chunk.source) + comment.suggestion.strip()
        chunks[index] = Chunk(source)
        replaced[comment.pid] = index
        result.applications.append(Application(comment, True))
    result.text = chunks_join(chunks)
    result.hints = {**previous, **{pid: chunks[i].text for pid, i in replaced.items()}}
    return result


def hints_parse(raw: str) -> dict[str, str]:
    """The pid hints a fold form carries (JSON, pid -> text); ValidationError when
    they are not what the form wrote."""
    if not raw.strip():
        return {}
    try:
        hints = json.loads(raw)
    except ValueError:
        hints = None
    if (
        not isinstance(hints, dict)
        or len(hints) > HINTS_MAX
        or not all(
            isinstance(pid, str) and isinstance(text, str) and len(text) <= HINT_TEXT_MAX
            for pid, text in hints.items()
        )
    ):
        raise ValidationError(_("The form's record of applied suggestions is damaged."))
    return hints


@dataclass(frozen=True)
class FoldDraft:
    """The fold page's form: the text being folded, its message, the revision it is
    based on, the comments ticked to fold in and those whose suggestion was applied
    on the page, the pid hints, and what the editor pressed: "save", "apply-all" or
    ("apply", a comment's id)."""

    text: str
    message: str
    base: int
    folded: tuple[int, ...] = ()
    applied: tuple[int, ...] = ()
    hints: Mapping[str, str] = field(default_factory=dict)
    action: str | tuple[str, int] = "save"
    applications: tuple[Application, ...] = ()

    @classmethod
    def start(cls, chapter: Chapter) -> "FoldDraft":
        """The page as it opens: the chapter's text, nothing ticked (a comment is
        folded in once its change is made here, or the editor says so)."""
        return cls(text=chapter.text, message="", base=chapter.revision)

    @classmethod
    def from_post(cls, post) -> "FoldDraft":
        """Bad numbers raise BadParameter; a form that lost its base revision or has
        damaged hints raises ValidationError."""
        base = int_param(post, "base", minimum=1)
        if base is None:
            raise ValidationError(_("The form lost the revision it was based on."))
        action: str | tuple[str, int] = post.get("action", "save")
        if action not in {"save", "apply-all"}:
            word, _sep, pk = action.partition(":")
            if word != "apply":
                raise BadParameter(_("“action” must be save, apply-all or apply:<id>."))
            action = ("apply", int_value(pk, name="action", minimum=1))
        return cls(
            text=post.get("text", ""),
            message=post.get("message", ""),
            base=base,
            folded=tuple(int_list(post, "folded")),
            applied=tuple(int_list(post, "applied")),
            hints=hints_parse(post.get("hints", "")),
            action=action,
        )


def fold_apply(*, chapter: Chapter, draft: FoldDraft) -> FoldDraft:
    """Apply the suggestion the editor asked for (or every one not applied yet) to
    the draft's text: the applied comments are ticked to fold in and the message
    names everyone folded in. ValidationError when the text cannot be read."""
    wanted = {c.pk: c for c in fold_candidates(chapter)}
    if draft.action == "apply-all":
        ids = [pk for pk in wanted if pk not in draft.applied]
    else:
        ids = [draft.action[1]]
    chosen = [wanted[i] for i in ids if i in wanted and wanted[i].suggestion]
    result = suggestions_apply(
        text=draft.text,
        comments=chosen,
        current_texts=current_block_texts(chapter),
        hints=draft.hints,
    )
    applied = sorted(set(draft.applied) | set(result.applied_ids()))
    folded = sorted(set(draft.folded) | set(result.applied_ids()))
    return replace(
        draft,
        text=result.text,
        message=fold_message([c for c in wanted.values() if c.pk in folded]),
        folded=tuple(folded),
        applied=tuple(applied),
        hints=result.hints,
        applications=tuple(result.applications),
    )


def _replace_passage(source: str, comment: Comment) -> str | None:
    matches = list(loose_pattern(comment.quote_exact).finditer(source))
    if not matches:
        return None
    # Replace whole words only: prefer an occurrence made of whole words, and widen
    # a quote stored before quote_locate widened quotes, so no half word is left.
    matches = [m for m in matches if word_span(source, *m.span()) == m.span()] or matches
    chosen = matches[0]
    if len(matches) > 1 and comment.quote_prefix:
        before = loose_pattern(comment.quote_prefix.strip()[-12:])
        chosen = next(
            (m for m in matches if before.search(source[max(0, m.start() - 40) : m.start()])),
            chosen,
        )
    start, end = word_span(source, *chosen.span())
    return source[:start] + comment.suggestion.strip() + source[end:]


def fold_message(comments: list[Comment]) -> str:
    """The pre-filled revision message: which comments are folded in, and by whom."""
    if not comments:
        return ""
    people = sorted({c.author.get_username() for c in comments})
    return ngettext(
        "Fold in %(n)s comment by %(people)s",
        "Fold in %(n)s comments by %(people)s",
        len(comments),
    ) % {"n": len(comments), "people": ", ".join(people)}


@dataclass
class PreviewBlock:
    """A block of the text being folded, with the pid a save would most likely give it."""

    pid: str
    position: int
    kind: str
    html: str
    text: str


def fold_preview(
    *, chapter: Chapter, base: int | None, text: str, hints: Mapping[str, str] | None = None
) -> list[BlockChange]:
    """The text being folded against revision `base` of the chapter, block by block
    (`chapters.diffing.revisions_diff`), its blocks paired with the base's as a save
    would pair them (`chapters.anchoring.align`, the applied suggestions' hints
    first). Raises ValidationError when the text cannot be rendered. Reads only."""
    blocks = render_chapter(text)
    revision = (
        chapter.revisions.filter(number=base).first() if base is not None else None
    ) or chapter.current_revision
    old = list(Block.objects.filter(revision=revision).order_by("position")) if revision else []
    hints = {pid: hint for pid, hint in (hints or {}).items() if pid in {b.pid for b in old}}
    anchors = [Anchor(block.pid, hints.get(block.pid, block.text)) for block in old]
    pids = list(align(anchors, [block.text for block in blocks]).pids)
    keys = [" ".join(block.text.split()) for block in blocks]
    for pid, hint in hints.items():
        found = [i for i, key in enumerate(keys) if key == " ".join(hint.split())]
        if len(found) == 1:
            pids = [None if p == pid else p for p in pids]
            pids[found[0]] = pid
    new = [
        PreviewBlock(pid or f"new-{index}", index, block.kind, block.html, block.text)
        for index, (pid, block) in enumerate(zip(pids, blocks, strict=True), start=1)
    ]
    return revisions_diff(old, new)


# Another editor saved the chapter after this editor's text was based on it: the
# conflict every door that revises a chapter reports.
FoldConflict = RevisionConflict


def fold_draft_save(
    *, user: AbstractBaseUser, chapter: Chapter, draft: FoldDraft
) -> ChapterRevision:
    """`fold_save` of what the fold page sent."""
    return fold_save(
        user=user,
        chapter=chapter,
        base=draft.base,
        text=draft.text,
        message=draft.message,
        folded=list(draft.folded),
        pid_hints=draft.hints,
    )


@transaction.atomic
def fold_save(
    *,
    user: AbstractBaseUser,
    chapter: Chapter,
    base: int,
    text: str,
    message: str,
    folded: list[int],
    pid_hints: Mapping[str, str] | None = None,
) -> ChapterRevision:
    """Save an editor's text as a new revision, folding in accepted comments.

    The chapter row is locked, and if a revision newer than `base` exists the
    save is refused with FoldConflict: nothing is overwritten. `pid_hints`
    (`FoldText.hints`) keep the pid of each paragraph a suggestion rewrote. The
    folded comments become incorporated in the new revision and their authors
    are told.
    """
    # The lock `chapters_revise` takes, taken first so that the checks below see
    # the chapter as the revision will.
    locked = (
        Chapter.objects.select_for_update(no_key=True, of=("self",))
        .select_related("book")
        .get(pk=chapter.pk)
    )
    if not locked.book.is_editor(user):
        raise PermissionDenied(_("Only the book's editors can revise this chapter."))
    revision_base_check(chapter=locked, base=base)
    message = " ".join(message.split())
    if not message:
        raise ValidationError(_("Say what changed in the revision message."))
    comments = list(
        Comment.objects.filter(pk__in=folded, chapter=locked, parent__isnull=True).select_related(
            "author", "book", "chapter"
        )
    )
    if len(comments) != len(set(folded)):
        raise ValidationError(_("Some of the comments to fold in are not in this chapter."))
    refused = [c for c in comments if c.decision != Comment.Decision.ACCEPTED]
    if refused:
        raise ValidationError(_("Only accepted comments can be folded in."))
    if text_normalize(text) == locked.text and comments:
        raise ValidationError(_("The text is unchanged, so no comment can be folded into it."))
    revision = chapter_revise(
        chapter=locked,
        text=text,
        editor=user,
        message=message,
        base_revision=base,
        pid_hints=pid_hints,
    )
    if revision is None:
        raise ValidationError(_("The text is unchanged: there is nothing to save."))
    now = timezone.now()
    for comment in comments:
        comment.decision = Comment.Decision.INCORPORATED
        comment.incorporated_in = revision
        comment.decided_by = user
        comment.decided_at = now
        comment.save(update_fields=["decision", "incorporated_in", "decided_by", "decided_at"])
        transaction.on_commit(lambda comment=comment: notify_decision(comment=comment), robust=True)
    comments_decided.send(
        sender=Comment, comments=comments, decision=Comment.Decision.INCORPORATED, actor=user
    )
    chapter.refresh_from_db()
    return revision
