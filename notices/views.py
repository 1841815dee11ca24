from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from accounts.header import header_facts_forget
from chapters import selectors as chapter_selectors
from notices import selectors, services
from wethink.params import int_param, next_param


def _watch_answer(request: HttpRequest, *, on: bool, title: str, default: str) -> HttpResponse:
    if on:
        messages.success(
            request,
            _("You watch “%(title)s”: new revisions come in a daily email at most.")
            % {"title": title},
        )
    else:
        messages.success(request, _("You no longer watch “%(title)s”.") % {"title": title})
    return redirect(next_param(request, default=default))


@login_required
@require_POST
def book_watch(request: HttpRequest, book: str) -> HttpResponse:
    found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
    on = request.POST.get("watch") != "0"
    services.watch_set(user=request.user, book=found, on=on)
    return _watch_answer(request, on=on, title=found.title, default=found.get_absolute_url())


@login_required
@require_POST
def chapter_watch(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    found = chapter_selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    on = request.POST.get("watch") != "0"
    services.watch_set(user=request.user, book=found.book, chapter=found, on=on)
    return _watch_answer(request, on=on, title=found.title, default=found.get_absolute_url())


# The token authorises the request: mail programs post to it (RFC 8058) with no
# cookie and no CSRF token, and a stolen token can do no more than this.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """A GET only asks (mail scanners follow links); a POST, from the page's button
    or a mail program's one-click unsubscribe, stops the emails."""
    value = services.unsubscribe_read(token)
    if value is None:
        return render(request, "notices/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        stopped = services.unsubscribe(token=token)
        return render(request, "notices/unsubscribe.html", {"done": True, "stopped": stopped})
    return render(request, "notices/unsubscribe.html", {"one": "w" in value, "token": token})


@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    """The person's replies and decisions, newest first. Opening a page of it
    marks the items on that page read; they show as new this once."""
    page = selectors.inbox_page(user=request.user, number=int_param(request.GET, "page"))
    unread = [item.pk for item in page if item.read_at is None]
    if unread:
        services.inbox_read(user=request.user, item_ids=unread)
        header_facts_forget(request)
    return render(request, "notices/inbox.html", {"page": page, "unread": set(unread)})


@login_required
@require_POST
def inbox_read_all(request: HttpRequest) -> HttpResponse:
    marked = services.inbox_read(user=request.user)
    if marked:
        messages.success(request, _("Everything in your inbox is marked read."))
    return redirect("notices:inbox")
