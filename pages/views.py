from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from chapters import selectors
from chapters.diffing import fold_unchanged, revisions_diff
from chapters.services import RevisionConflict
from comments import selectors as comment_selectors
from comments.revising import chapter_restore
from pages import anonymous, signed_in, visits
from pages.chapter_context import reading_context, stored_until
from pages.search import book_search
from wethink.pagecache import cached_page
from wethink.params import int_param


def book_list(request: HttpRequest) -> HttpResponse:
    books = selectors.books_for_reader(user=request.user)
    return render(request, "chapters/book_list.html", {"books": books})


@cached_page("book")
def book_detail(request: HttpRequest, book: str) -> HttpResponse:
    found = selectors.book_get_for_reader(user=request.user, slug=book)
    chapters = selectors.book_contents(book=found, user=request.user)
    visits.chapters_changed_since_visit(user=request.user, chapters=chapters)
    is_editor = found.is_editor(request.user)
    if is_editor:
        _feedback_bars(found, chapters)
    context = {
        "book": found,
        "chapters": chapters,
        "is_editor": is_editor,
        "discussion_count": comment_selectors.discussion_count(user=request.user, book=found),
    }
    response = render(request, "chapters/book_detail.html", context)
    response.page_cache_until = stored_until(request, found)
    return response


def _feedback_bars(book, chapters) -> None:
    """For the book's editors: each chapter's feedback by decision, and the most any
    chapter drew (the longest bar)."""
    counts = comment_selectors.chapter_decision_counts(book=book)
    most = max((sum(c.values()) for c in counts.values()), default=0) or 1
    for chapter in chapters:
        chapter.feedback = counts.get(chapter.pk, {})
        chapter.feedback_total = sum(chapter.feedback.values())
        chapter.feedback_most = most


def book_search_view(request: HttpRequest, book: str) -> HttpResponse:
    found = selectors.book_get_for_reader(user=request.user, slug=book)
    query = request.GET.get("q", "")
    hits = book_search(user=request.user, book=found, query=query) if query.strip() else []
    return render(
        request,
        "chapters/book_search.html",
        {"book": found, "query": query, "hits": hits, "searched": bool(query.strip())},
    )


def _reading_page(request: HttpRequest, chapter, revision) -> HttpResponse:
    context = reading_context(request.user, chapter, revision)
    response = render(request, "chapters/chapter_detail.html", context)
    # The page says until when comments are open; it must not outlive that date,
    # nor a scheduled chapter's opening (its neighbours' links change).
    response.page_cache_until = stored_until(request, chapter.book, context["open_until"])
    return response


def _chapter_body(user, book: str, chapter: str) -> dict:
    """The parts of the current chapter page that are the same for everyone who sees
    what `user` sees (see `pages.signed_in`)."""
    found = selectors.chapter_get_for_reader(user=user, book=book, chapter=chapter)
    context = reading_context(user, found, found.current_revision)
    # It shows the closing date, and the neighbours change when a chapter opens.
    times = (context["open_until"], selectors.book_next_opening(book=found.book))
    return {
        "title": render_to_string("chapters/chapter_title.html", context),
        "head": render_to_string("chapters/chapter_head.html", context),
        "content": render_to_string("chapters/chapter_content.html", context),
        "until": min((t for t in times if t is not None), default=None),
    }


@cached_page("chapter")
def chapter_detail(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return anonymous.chapter_page(request, book=book, chapter=chapter)
    page = signed_in.chapter_page(request, book=book, chapter=chapter, build=_chapter_body)
    if page is not None:
        return page
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    return _reading_page(request, found, found.current_revision)


# A signed-in reader's page reads its cached parts in the same round trip as the user.
chapter_detail.prefetch_keys = signed_in.prefetch_keys


def _chapter_kept(request: HttpRequest, book: str, chapter: str) -> HttpResponse | None:
    return signed_in.chapter_page(request, book=book, chapter=chapter, build=None)


# The page from kept parts alone, or None (pages.shortcut).
chapter_detail.kept_answer = _chapter_kept


@cached_page("chapter")
def chapter_revision(request: HttpRequest, book: str, chapter: str, number: int) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    revision = selectors.revision_get(chapter=found, number=number)
    if revision.pk == found.current_revision_id:
        return redirect(found)
    return _reading_page(request, found, revision)


@cached_page("chapter")
def chapter_history(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    return render(
        request,
        "chapters/chapter_history.html",
        {
            "book": found.book,
            "chapter": found,
            "revisions": selectors.chapter_history(
                chapter=found, page=int_param(request.GET, "page", minimum=1)
            ),
            "is_editor": found.book.is_editor(request.user),
        },
    )


@cached_page("chapter")
def chapter_diff(request: HttpRequest, book: str, chapter: str, a: int, b: int) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    old = selectors.revision_get(chapter=found, number=a)
    new = selectors.revision_get(chapter=found, number=b)
    rows = _diff_rows(found, old, new)
    counts = dict.fromkeys(("edited", "added", "removed", "moved", "unchanged"), 0)
    for row in rows:
        counts[row.kind] += 1
    context = {"book": found.book, "chapter": found, "old": old, "new": new, "counts": counts}
    return render(request, "chapters/chapter_diff.html", {**context, "rows": fold_unchanged(rows)})


def _diff_rows(chapter, old, new) -> list:
    """What changed from `old` to `new`, each row with the comments folded into it
    between the two."""
    rows = revisions_diff(
        selectors.revision_blocks(revision=old), selectors.revision_blocks(revision=new)
    )
    low, high = sorted((old.number, new.number))
    folded = comment_selectors.folded_between(chapter=chapter, after=low, upto=high)
    for row in rows:
        row.folded = folded.get(row.pid, [])
    return rows


def _restore_conflict(request: HttpRequest, context: dict, conflict) -> HttpResponse:
    """Another revision was saved since the history page was read: say which (409)."""
    newer = conflict.newer or context["chapter"].revisions.order_by("-number").first()
    context.update(newer=newer, own=newer.editor_id == request.user.pk)
    return render(request, "chapters/restore_conflict.html", context, status=409)


@login_required
@require_http_methods(["GET", "POST"])
def chapter_restore_view(
    request: HttpRequest, book: str, chapter: str, number: int
) -> HttpResponse:
    """GET asks to confirm (the history's Restore is a link to it); POST restores."""
    found = selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    # The revision the history page showed as current; a page without it (an
    # older copy) is taken to be based on the chapter as it is now.
    base = int_param(request.POST or request.GET, "base", default=found.revision, minimum=1)
    context = {"book": found.book, "chapter": found, "number": number, "base": base}
    if request.method == "GET":
        context["revision"] = selectors.revision_get(chapter=found, number=number)
        return render(request, "chapters/chapter_restore.html", context)
    try:
        revision = chapter_restore(
            chapter=found, number=number, editor=request.user, base_revision=base
        )
    except RevisionConflict as conflict:
        return _restore_conflict(request, context, conflict)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("chapters:chapter_history", book=book, chapter=chapter)
    messages.success(
        request,
        _("Revision %(old)s is now the current text, as revision %(new)s.")
        % {"old": number, "new": revision.number},
    )
    return redirect(found)
