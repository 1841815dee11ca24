from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chapters import reading, selectors
from chapters.diffing import fold_unchanged, revisions_diff
from chapters.search import book_search
from chapters.services import RevisionConflict, chapter_restore
from comments import selectors as comment_selectors
from comments.services import comments_closed_reason, comments_open_until
from wethink.pagecache import cached_page, conditional_page
from wethink.params import int_param


def book_list(request: HttpRequest) -> HttpResponse:
    books = selectors.books_for_reader(user=request.user)
    return render(request, "chapters/book_list.html", {"books": books})


@cached_page("book")
def book_detail(request: HttpRequest, book: str) -> HttpResponse:
    found = selectors.book_get_for_reader(user=request.user, slug=book)
    chapters = selectors.book_contents(book=found, user=request.user)
    is_editor = found.is_editor(request.user)
    if is_editor:
        counts = comment_selectors.chapter_decision_counts(book=found)
        most = max((sum(c.values()) for c in counts.values()), default=0) or 1
        for chapter in chapters:
            chapter.feedback = counts.get(chapter.pk, {})
            chapter.feedback_total = sum(chapter.feedback.values())
            chapter.feedback_most = most
    return render(
        request,
        "chapters/book_detail.html",
        {"book": found, "chapters": chapters, "is_editor": is_editor},
    )


def book_search_view(request: HttpRequest, book: str) -> HttpResponse:
    found = selectors.book_get_for_reader(user=request.user, slug=book)
    query = request.GET.get("q", "")
    hits = book_search(user=request.user, book=found, query=query) if query.strip() else []
    return render(
        request,
        "chapters/book_search.html",
        {"book": found, "query": query, "hits": hits, "searched": bool(query.strip())},
    )


def _reading_context(request: HttpRequest, chapter, revision) -> dict:
    previous, following = selectors.chapter_neighbours(chapter=chapter, user=request.user)
    is_current = revision.pk == chapter.current_revision_id
    # Thread links relative to the page (/b/<book>/<chapter>/ or .../r<n>/): short.
    thread = reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": "x"}
    )[len(chapter.get_absolute_url()) : -2]
    blocks = reading.blocks_html(
        reading.revision_parts(revision),
        counts=comment_selectors.block_counts(user=request.user, chapter=chapter),
        thread_prefix=thread if is_current else f"../{thread}",
        thread_suffix="" if is_current else f"?r={revision.number}",
    )
    return {
        "book": chapter.book,
        "chapter": chapter,
        "revision": revision,
        "blocks": blocks,
        "orphaned": comment_selectors.orphaned_comments(user=request.user, chapter=chapter),
        "closed_reason": comments_closed_reason(chapter),
        "open_until": comments_open_until(chapter),
        "previous": previous,
        "following": following,
        "is_current": is_current,
        "is_editor": chapter.book.is_editor(request.user),
    }


def _reading_page(request: HttpRequest, chapter, revision) -> HttpResponse:
    context = _reading_context(request, chapter, revision)
    response = render(request, "chapters/chapter_detail.html", context)
    # The page says until when comments are open; it must not outlive that date.
    response.page_cache_until = context["open_until"]
    return response


@cached_page("chapter")
def chapter_detail(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    return _reading_page(request, found, found.current_revision)


@cached_page("chapter")
def chapter_revision(request: HttpRequest, book: str, chapter: str, number: int) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    revision = selectors.revision_get(chapter=found, number=number)
    if revision.pk == found.current_revision_id:
        return redirect(found)
    return _reading_page(request, found, revision)


@conditional_page("chapter")
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


@conditional_page("chapter")
def chapter_diff(request: HttpRequest, book: str, chapter: str, a: int, b: int) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    old = selectors.revision_get(chapter=found, number=a)
    new = selectors.revision_get(chapter=found, number=b)
    rows = revisions_diff(
        selectors.revision_blocks(revision=old), selectors.revision_blocks(revision=new)
    )
    counts = dict.fromkeys(("edited", "added", "removed", "moved", "unchanged"), 0)
    for row in rows:
        counts[row.kind] += 1
    folded = comment_selectors.folded_between(chapter=found, after=min(a, b), upto=max(a, b))
    for row in rows:
        row.folded = folded.get(row.pid, [])
    return render(
        request,
        "chapters/chapter_diff.html",
        {
            "book": found.book,
            "chapter": found,
            "old": old,
            "new": new,
            "rows": fold_unchanged(rows),
            "counts": counts,
        },
    )


@login_required
@require_POST
def chapter_restore_view(
    request: HttpRequest, book: str, chapter: str, number: int
) -> HttpResponse:
    found = selectors.chapter_get_for_edit(user=request.user, book=book, chapter=chapter)
    # The revision the history page showed as current; a page without it (an
    # older copy) is taken to be based on the chapter as it is now.
    base = int_param(request.POST, "base", default=found.revision, minimum=1)
    try:
        revision = chapter_restore(
            chapter=found, number=number, editor=request.user, base_revision=base
        )
    except RevisionConflict as conflict:
        newer = conflict.newer or found.revisions.order_by("-number").first()
        return render(
            request,
            "chapters/restore_conflict.html",
            {
                "book": found.book,
                "chapter": found,
                "number": number,
                "base": base,
                "newer": newer,
            },
            status=409,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("chapters:chapter_history", book=book, chapter=chapter)
    messages.success(
        request,
        _("Revision %(old)s is now the current text, as revision %(new)s.")
        % {"old": number, "new": revision.number},
    )
    return redirect(found)
