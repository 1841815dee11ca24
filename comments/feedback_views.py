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
from comments import folding, selectors, services
from comments.models import Comment
from comments.queue import QueueFilters, feedback_queue
from wethink.errors import error_response
from wethink.pagecache import FEEDBACK, REPUTATIONS, SITE
from wethink.params import BadParameter, int_list, int_param, int_value, next_param


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
    decision = {word: state for state, word in services.DECISION_ACTIONS.items()}
    back = _back(request, reverse("comments:feedback"))
    one = request.POST.get("one", "")
    if one:
        word, _sep, pk = one.partition(":")
        picked = [int_value(pk, name="one", minimum=1)]
        reason = request.POST.get(f"reason-{pk}", "") or request.POST.get("reason", "")
    else:
        word = request.POST.get("decision", "")
        picked = int_list(request.POST, "ids")
        reason = request.POST.get("reason", "")
    chosen = decision.get(word)
    # Each item carries its near-duplicates, so one decision settles the group.
    ids = sorted({i for pk in picked for i in (int_list(request.POST, f"group-{pk}") or [pk])})
    if chosen is None or not ids:
        messages.error(request, _("Choose some feedback and a decision."))
        return redirect(back)
    comments = list(Comment.objects.filter(pk__in=ids).select_related("book", "chapter"))
    if len(comments) != len(set(ids)):
        messages.error(request, _("Some of that feedback no longer exists."))
        return redirect(back)
    try:
        services.comments_decide(
            user=request.user,
            comments=comments,
            decision=chosen,
            reason=reason,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        ngettext(
            "%(n)s comment marked %(state)s.", "%(n)s comments marked %(state)s.", len(comments)
        )
        % {"n": len(comments), "state": Comment.Decision(chosen).label},
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


def _fold_context(
    request, chapter, *, text, base, message, folded, applied=(), applications=(), hints=None
):
    candidates = folding.fold_candidates(chapter)
    current = folding.current_block_texts(chapter)
    for comment in candidates:
        comment.current_text = current.get(comment.pid)
        comment.stale = bool(comment.suggestion) and folding.suggestion_stale(
            comment, comment.current_text
        )
    return {
        "book": chapter.book,
        "chapter": chapter,
        "text": text,
        "message": message,
        "folded": set(folded),
        "applied": set(applied),
        "candidates": candidates,
        "unapplied": sum(
            bool(c.suggestion) and not c.stale and c.pk not in set(applied) for c in candidates
        ),
        "applications": list(applications),
        **_preview(chapter, text=text, base=base, hints=hints),
        "hints": json.dumps(hints or {}, ensure_ascii=False),
    }


@login_required
def fold(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """The fold page: the chapter's Markdown, the accepted comments beside it,
    Apply suggestion, a preview of the change, and Save revision."""
    found = chapter_selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    if request.method != "POST":
        # Nothing starts ticked: a comment is folded in once its change is made here
        # (Apply suggestion ticks it) or the editor says so.
        context = _fold_context(
            request, found, text=found.text, base=found.revision, message="", folded=[]
        )
        return render(request, "comments/fold.html", context)
    text = request.POST.get("text", "")
    message = request.POST.get("message", "")
    base = int_param(request.POST, "base", minimum=1)
    if base is None:
        return error_response(request, 400, _("The form lost the revision it was based on."))
    folded = int_list(request.POST, "folded")
    applied = int_list(request.POST, "applied")
    try:
        hints = folding.hints_parse(request.POST.get("hints", ""))
    except ValidationError as error:
        return error_response(request, 400, " ".join(error.messages))
    action = request.POST.get("action", "save")
    if action.startswith("apply"):
        wanted = {c.pk: c for c in folding.fold_candidates(found)}
        if action == "apply-all":
            ids = [pk for pk in wanted if pk not in applied]
        else:
            word, _sep, pk = action.partition(":")
            if word != "apply":
                raise BadParameter(_("“action” must be save, apply-all or apply:<id>."))
            ids = [int_value(pk, name="action", minimum=1)]
        chosen = [wanted[i] for i in ids if i in wanted and wanted[i].suggestion]
        try:
            result = folding.suggestions_apply(
                text=text,
                comments=chosen,
                current_texts=folding.current_block_texts(found),
                hints=hints,
            )
        except ValidationError as error:
            context = _fold_context(
                request,
                found,
                text=text,
                base=base,
                message=message,
                folded=folded,
                applied=applied,
                hints=hints,
            )
            context["error"] = " ".join(error.messages)
            return render(request, "comments/fold.html", context, status=400)
        applied = sorted(set(applied) | set(result.applied_ids()))
        folded = sorted(set(folded) | set(result.applied_ids()))
        picked = [c for c in wanted.values() if c.pk in folded]
        context = _fold_context(
            request,
            found,
            text=result.text,
            base=base,
            message=folding.fold_message(picked),
            folded=folded,
            applied=applied,
            applications=result.applications,
            hints=result.hints,
        )
        return render(request, "comments/fold.html", context)
    try:
        revision = folding.fold_save(
            user=request.user,
            chapter=found,
            base=base,
            text=text,
            message=message,
            folded=folded,
            pid_hints=hints,
        )
    except folding.FoldConflict as conflict:
        # Read after the refused transaction: a race caught by the database
        # leaves the conflict without the newer revision.
        newer = conflict.newer or found.revisions.order_by("-number").first()
        return render(
            request,
            "comments/fold_conflict.html",
            {
                "book": found.book,
                "chapter": found,
                "text": text,
                "message": message,
                "folded": folded,
                "base": base,
                "newer": newer,
                "own": newer.editor_id == request.user.pk,
                "difference": words_diff(newer.text, text),
                "hints": json.dumps(hints, ensure_ascii=False),
            },
            status=409,
        )
    except ValidationError as error:
        context = _fold_context(
            request,
            found,
            text=text,
            base=base,
            message=message,
            folded=folded,
            applied=applied,
            hints=hints,
        )
        context["error"] = " ".join(error.messages)
        return render(request, "comments/fold.html", context, status=400)
    messages.success(
        request,
        _("Saved revision %(n)s.") % {"n": revision.number},
    )
    if revision.number > 1:
        return redirect(
            "chapters:chapter_diff",
            book=found.book.slug,
            chapter=found.slug,
            a=revision.number - 1,
            b=revision.number,
        )
    return redirect(found)


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
