"""The chapter page's "since your last visit" notice, asked for by the page's script.

The chapter page itself is the same for every reader (and kept whole in the cache,
`pages.signed_in`); the script posts here once the page is shown, which records
the visit and answers the notice for this reader alone."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from chapters import selectors
from pages import visits


@login_required
@require_POST
def chapter_visit(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    found = selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    since = visits.since_last_visit(user=request.user, chapter=found)
    response = render(
        request,
        "chapters/since_visit.html",
        {"book": found.book, "chapter": found, "since": since},
    )
    response["Cache-Control"] = "private, no-store"
    return response
