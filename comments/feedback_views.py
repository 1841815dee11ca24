"""The editors' side: the feedback queue, decisions, folding, acknowledgements."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.personcache import kept_for_person
from chapters import selectors as chapter_selectors
from chapters.diffing import fold_unchanged, words_diff
from chapters.models import Book
from comments import decisions, folding, selectors, services
from comments.forms import DecisionRequest
from comments.models import Comment
from comments.queue import QueueFilters, feedback_queue
from wethink.errors import error_response
from wethink.pagecache import FEEDBACK, REPUTATIONS, SITE
from wethink.params import int_param, next_param


def _back(request: HttpRequest, default: str) -> str:
    return next_param(request, default=default)


@login_required
@kept_for_person(FEEDBACK, SITE, REPUTATIONS)
def queue(request: HttpRequest) -> HttpResponse:
    try:
        filters = QueueFilters.from_query(request.GET)
    except ValidationError as error:
        return error_response(request, 400, " ".join(error.messages))
    found = feedback_queue(user=request.user, filters=filters)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "comments/feedback_queue.html",
        {
            "queue": found,
            "filters": filters,
            "query": query.urlencode(),
            "here": request.get_full_path(),
            "states": [*Comment.Decision.choices, ("all", _("all"))],
        },
    )


@login_required
@require_POST
def decide(request: HttpRequest) -> HttpResponse:
    """Accept, reject or defer the selected comments (and their near-duplicates)."""
    back = _back(request, reverse("comments:feedback"))
    try:
        asked = DecisionRequest.from_post(request.POST)
        comments = selectors.comments_for_decision(user=request.user, ids=asked.ids)
        decisions.comments_decide(
            user=request.user, comments=comments, decision=asked.decision, reason=asked.reason
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)s comment marked %(state)s.", "%(n)s comments marked %(state)s.", len(comments)
        )
        % {"n": len(comments), "state": asked.decision.label},
    )
    return redirect(back)


@login_required
@require_POST
def attach(request: HttpRequest, pk: int) -> HttpResponse:
    comment = selectors.comment_get_for_reader(user=request.user, pk=pk)
    try:
        services.comment_attach(user=request.user, comment=comment, pid=request.POST.get("pid", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The comment now follows the paragraph you chose."))
    return redirect(_back(request, reverse("comments:feedback")))


def _preview(chapter, *, text: str, base: int | None, hints=None) -> dict:
    """The preview: the text against the revision it is based on, or why it cannot
    be rendered."""
    try:
        rows = folding.fold_preview(chapter=chapter, base=base, text=text, hints=hints)
    except ValidationError as error:
        return {"preview": [], "preview_error": " ".join(error.messages), "base": base}
    changed = sum(row.kind != "unchanged" for row in rows)
    return {"preview": fold_unchanged(rows), "preview_changed": changed, "base": base}


def _fold_page(
    request: HttpRequest, chapter, draft: folding.FoldDraft, *, error: str = "", status: int = 200
) -> HttpResponse:
    """The fold page for `draft`: the accepted comments beside the text (each with
    its block's current text, and whether its suggestion went stale), the preview."""
    candidates = selectors.fold_candidates(chapter)
    current = chapter_selectors.current_block_texts(chapter)
    for comment in candidates:
        comment.current_text = current.get(comment.pid)
        comment.stale = bool(comment.suggestion) and folding.suggestion_stale(
            comment, comment.current_text
        )
    applied = set(draft.applied)
    context = {
        "book": chapter.book,
        "chapter": chapter,
        "text": draft.text,
        "message": draft.message,
        "folded": set(draft.folded),
        "applied": applied,
        "candidates": candidates,
        "unapplied": sum(
            bool(c.suggestion) and not c.stale and c.pk not in applied for c in candidates
        ),
        "applications": list(draft.applications),
        **_preview(chapter, text=draft.text, base=draft.base, hints=draft.hints),
        "hints": json.dumps(dict(draft.hints), ensure_ascii=False),
        "error": error,
    }
    return render(request, "comments/fold.html", context, status=status)


def _fold_conflict(request: HttpRequest, chapter, draft, conflict) -> HttpResponse:
    """Another revision was saved since the draft's base: the editor's text is kept."""
    # Read after the refused transaction: a race caught by the database leaves the
    # conflict without the newer revision.
    newer = conflict.newer or chapter.revisions.order_by("-number").first()
    context = {
        "book": chapter.book,
        "chapter": chapter,
        "text": draft.text,
        "message": draft.message,
        "folded": list(draft.folded),
        "base": draft.base,
        "newer": newer,
        "own": newer.editor_id == request.user.pk,
        "difference": words_diff(newer.text, draft.text),
        "hints": json.dumps(dict(draft.hints), ensure_ascii=False),
    }
    return render(request, "comments/fold_conflict.html", context, status=409)


@login_required
def fold(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """The fold page: the chapter's Markdown, the accepted comments beside it,
    Apply suggestion, a preview of the change, and Save revision."""
    found = chapter_selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    if request.method != "POST":
        return _fold_page(request, found, folding.FoldDraft.start(found))
    try:
        draft = folding.FoldDraft.from_post(request.POST)
    except ValidationError as error:
        return error_response(request, 400, " ".join(error.messages))
    try:
        if draft.action != "save":
            return _fold_page(request, found, folding.fold_apply(chapter=found, draft=draft))
        revision = folding.fold_draft_save(user=request.user, chapter=found, draft=draft)
    except folding.FoldConflict as conflict:
        return _fold_conflict(request, found, draft, conflict)
    except ValidationError as error:
        return _fold_page(request, found, draft, error=" ".join(error.messages), status=400)
    messages.success(request, _("Saved revision %(n)s.") % {"n": revision.number})
    return redirect(_after_fold(found, revision))


def _after_fold(chapter, revision) -> str:
    """What a saved fold changed (the diff), or the chapter for its first revision."""
    if revision.number == 1:
        return chapter.get_absolute_url()
    return reverse(
        "chapters:chapter_diff",
        kwargs={
            "book": chapter.book.slug,
            "chapter": chapter.slug,
            "a": revision.number - 1,
            "b": revision.number,
        },
    )


@login_required
@require_POST
def fold_preview(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """The live preview of the fold page's text against its base revision (htmx)."""
    found = chapter_selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    try:
        hints = folding.hints_parse(request.POST.get("hints", ""))
    except ValidationError as error:
        return error_response(request, 400, " ".join(error.messages))
    context = _preview(
        found,
        text=request.POST.get("text", ""),
        base=int_param(request.POST, "base", minimum=1),
        hints=hints,
    )
    return render(
        request, "comments/fold.html#preview", {"book": found.book, "chapter": found, **context}
    )


def acknowledgements(request: HttpRequest, book: str) -> HttpResponse:
    found: Book = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
    return render(
        request,
        "comments/acknowledgements.html",
        {"book": found, "people": selectors.acknowledgements(book=found)},
    )


@login_required
def contested(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """Where a chapter drew its feedback: a bar per block, for the book's editors."""
    found = chapter_selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    blocks = chapter_selectors.revision_blocks(revision=found.current_revision)
    counts = selectors.block_decision_counts(chapter=found)
    most = max((sum(c.values()) for c in counts.values()), default=0)
    for block in blocks:
        block.feedback = counts.get(block.pid, dict.fromkeys(selectors.CONTESTED_STATES, 0))
        block.feedback_total = sum(block.feedback.values())
    return render(
        request,
        "comments/contested.html",
        {"book": found.book, "chapter": found, "blocks": blocks, "most": most or 1},
    )
