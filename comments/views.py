from types import SimpleNamespace

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from chapters import periods
from chapters import selectors as chapter_selectors
from chapters.models import Block, Chapter, ChapterRevision
from comments import posting, selectors, services
from comments.forms import CommentForm, EditForm, FlagForm, ModerateForm, ReplyForm
from comments.models import MAX_BODY, WHOLE_BOOK, WHOLE_CHAPTER, Comment
from wethink.pagecache import cached_page, conditional_page
from wethink.params import choice_param, int_param

THREAD_TEMPLATE = "comments/thread.html"
EDIT_PAGE = "comments/comment_edit.html"
FLAG_PAGE = "comments/comment_flag.html"


def thread_url(chapter: Chapter, pid: str) -> str:
    return reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )


def discussion_url(book) -> str:
    return reverse("comments:discussion", kwargs={"book": book.slug})


def _thread_block(chapter: Chapter, pid: str, number: int | None) -> tuple[Block, bool]:
    """The block to show above a thread: in the requested revision, else the current
    one, else the last revision that still had it (a removed paragraph). The flag
    says whether the block is in the current revision."""
    blocks = Block.objects.filter(revision__chapter=chapter, pid=pid).select_related("revision")
    if number is not None:
        block = blocks.filter(revision__number=number).first()
        if block is None:
            raise Http404
        return block, block.revision_id == chapter.current_revision_id
    block = blocks.order_by("-revision__number").first()
    if block is None:
        raise Http404
    return block, block.revision_id == chapter.current_revision_id


def _whole_chapter(chapter: Chapter, number: int | None) -> tuple[SimpleNamespace, bool]:
    """What stands above the thread on a chapter as a whole: the chapter at the
    requested revision (else the current one), in place of a block."""
    revision = chapter.current_revision
    if number is not None:
        revision = ChapterRevision.objects.filter(chapter=chapter, number=number).first()
    if revision is None:
        raise Http404
    whole = SimpleNamespace(pid=WHOLE_CHAPTER, position=None, revision=revision, whole=True)
    return whole, revision.pk == chapter.current_revision_id


def _revision_number(request: HttpRequest) -> int | None:
    return int_param(request.GET, "r", minimum=1)


def _form_initial(request: HttpRequest, block: Block) -> dict:
    """A passage chosen before logging in comes back in the address (?quote=)."""
    if block.revision is None:  # the book as a whole: no revision, no passage
        return {}
    initial = {"revision": block.revision.number}
    quote = request.GET.get("quote", "")[:MAX_BODY]
    if quote.strip() and block.pid != WHOLE_CHAPTER:
        initial["quote"] = quote
        initial["quote_prefix"] = request.GET.get("quote_prefix", "")[:64]
    return initial


def _place(
    request: HttpRequest, book, chapter: Chapter | None, pid: str, number: int | None
) -> dict:
    """What stands above a thread and when it takes comments: a paragraph, the
    chapter as a whole, or (no chapter) the book as a whole."""
    if chapter is None:
        return {
            "paragraph": SimpleNamespace(pid=WHOLE_BOOK, position=None, revision=None, whole=True),
            "in_current": True,
            "closed_reason": periods.book_comments_closed_reason(book),
            "open_until": periods.book_comments_open_until(book),
            "thread_url": discussion_url(book),
        }
    number = number or _revision_number(request)
    if pid == WHOLE_CHAPTER:
        block, in_current = _whole_chapter(chapter, number)
    else:
        block, in_current = _thread_block(chapter, pid, number)
    return {
        "paragraph": block,
        "in_current": in_current,
        "closed_reason": periods.comments_closed_reason(chapter),
        "open_until": periods.comments_open_until(chapter),
        "thread_url": thread_url(chapter, pid),
    }


def _reply_open(request: HttpRequest) -> int | None:
    """The comment whose reply form is open: one sent back with an error stays
    open (a posted one closes), or the one the link asks for (`?reply=`)."""
    sent = int_param(request.POST, "reply_to", minimum=1) if request.method == "POST" else None
    return sent or int_param(request.GET, "reply", minimum=1)


def render_thread(
    request: HttpRequest,
    chapter: Chapter | None,
    pid: str,
    *,
    book=None,
    form: CommentForm | None = None,
    reply_form: ReplyForm | None = None,
    error: str = "",
    status: int = 200,
    number: int | None = None,
) -> HttpResponse:
    """A thread: a block's, the chapter's as a whole, or (no chapter, a `book`
    given) the book's as a whole. `number` asks for the block in that revision."""
    book = book or chapter.book
    place = _place(request, book, chapter, pid, number)
    block = place["paragraph"]
    sort = request.GET.get("sort", "oldest")
    comments = selectors.thread_comments(
        user=request.user, chapter=chapter, pid=pid, sort=sort, book=book
    )
    context = {
        **place,
        "book": book,
        "chapter": chapter,
        # "paragraph", not "block": inside {% block %} tags that name means the template block.
        "revision": block.revision,
        "comments": comments,
        "thread_count": selectors.tree_size(comments),
        "sort": sort,
        "form": form or CommentForm(initial=_form_initial(request, block)),
        "reply_form": reply_form or ReplyForm(),
        "reply_to": _reply_open(request),
        "error": error,
        "is_editor": book.is_editor(request.user),
        "editor_ids": selectors.book_editor_ids(book=book),
    }
    template = f"{THREAD_TEMPLATE}#thread" if request.htmx else THREAD_TEMPLATE
    response = render(request, template, context, status=status)
    # The same address answers htmx with the thread alone.
    patch_vary_headers(response, ["HX-Request"])
    # A stored copy says until when comments are open: it must not outlive that.
    response.page_cache_until = context["open_until"]
    return response


def _comment_posted(request: HttpRequest, refused, create) -> HttpResponse:
    """Post a comment from a thread's form: `create(data)` makes it from the form's
    data; a refusal is answered on the thread by `refused(form, error, status)`."""
    form = CommentForm(request.POST)
    if not form.is_valid():
        return refused(form, " ".join(str(e) for es in form.errors.values() for e in es), 400)
    try:
        comment = create(form.cleaned_data)
    except posting.AlreadyPosted as posted:
        return _after_change(request, posted.comment, _already_posted(posted.comment), info=True)
    except posting.RateLimited as error:
        return refused(form, str(error), 429)
    except ValidationError as error:
        return refused(form, " ".join(error.messages), 400)
    return _after_change(request, comment, _posted_message(comment))


@cached_page("thread")
def thread(request: HttpRequest, book: str, chapter: str, pid: str) -> HttpResponse:
    """A block, its comments and the comment form; POST posts a comment."""
    found = chapter_selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    if request.method != "POST":
        return render_thread(request, found, pid)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={thread_url(found, pid)}")

    def create(data: dict) -> Comment:
        return services.comment_create(
            user=request.user,
            chapter=found,
            pid=pid,
            revision=chapter_selectors.revision_written_on(chapter=found, number=data["revision"]),
            **{key: data[key] for key in ("body", "quote", "quote_prefix", "suggestion")},
            form_token=data["form_token"],
        )

    def refused(form, error: str, status: int) -> HttpResponse:
        # Shown as the reader saw it: the revision the form was written on, if it exists.
        number = _form_revision(found, form)
        return render_thread(
            request, found, pid, form=form, error=error, status=status, number=number
        )

    return _comment_posted(request, refused, create)


def _form_revision(chapter: Chapter, form: CommentForm) -> int | None:
    number = getattr(form, "cleaned_data", {}).get("revision")
    try:
        return (
            number and chapter_selectors.revision_written_on(chapter=chapter, number=number).number
        )
    except ValidationError:
        return None


@cached_page("discussion")
def discussion(request: HttpRequest, book: str) -> HttpResponse:
    """Comments on the book as a whole and the form for one; POST posts a comment."""
    found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
    if request.method != "POST":
        return render_thread(request, None, WHOLE_BOOK, book=found)
    if not request.user.is_authenticated:
        return redirect(f"{reverse('login')}?next={discussion_url(found)}")

    def create(data: dict) -> Comment:
        return services.comment_create_on_book(
            user=request.user,
            book=found,
            **{key: data[key] for key in ("body", "quote", "suggestion", "form_token")},
        )

    def refused(form, error: str, status: int) -> HttpResponse:
        return render_thread(
            request, None, WHOLE_BOOK, book=found, form=form, error=error, status=status
        )

    return _comment_posted(request, refused, create)


def _already_posted(comment: Comment) -> str:
    if comment.parent_id:
        return _("This reply was posted already; it is not posted twice.")
    return _("This comment was posted already; it is not posted twice.")


def _posted_message(comment: Comment) -> str:
    if comment.moderation == Comment.Moderation.PENDING:
        return _("Thanks! Your first comment on this book waits for an editor's approval.")
    return _("Your comment is posted.")


def _after_change(
    request: HttpRequest, comment: Comment, message: str, *, info: bool = False
) -> HttpResponse:
    """htmx gets the refreshed thread; a plain form post is redirected back to it."""
    (messages.info if info else messages.success)(request, message)
    if request.htmx:
        request.method = "GET"
        return render_thread(request, comment.chapter, comment.pid, book=comment.book)
    return redirect(comment.get_absolute_url())


def _comment_or_error(request: HttpRequest, pk: int) -> Comment:
    return selectors.comment_get_for_reader(user=request.user, pk=pk)


def _service_call(request: HttpRequest, comment: Comment, call, message: str) -> HttpResponse:
    try:
        call()
    except posting.AlreadyPosted as posted:
        return _after_change(request, posted.comment, _already_posted(posted.comment), info=True)
    except posting.RateLimited as error:
        return _refused(request, comment, str(error), 429)
    except ValidationError as error:
        return _refused(request, comment, " ".join(error.messages), 400)
    return _after_change(request, comment, message)


def _refused(request: HttpRequest, comment: Comment, error: str, status: int) -> HttpResponse:
    return render_thread(
        request,
        comment.chapter,
        comment.pid,
        book=comment.book,
        reply_form=ReplyForm(request.POST),
        error=error,
        status=status,
    )


@login_required
@require_POST
def reply(request: HttpRequest, pk: int) -> HttpResponse:
    parent = _comment_or_error(request, pk)
    form = ReplyForm(request.POST)
    form.is_valid()
    return _service_call(
        request,
        parent,
        lambda: services.comment_reply(
            user=request.user,
            parent=parent,
            body=form.cleaned_data.get("body", ""),
            form_token=form.cleaned_data.get("form_token", ""),
        ),
        _("Your reply is posted."),
    )


NOT_YOURS = {
    "edit": _lazy("This comment is not yours: only the person who wrote it can edit it."),
    "delete": _lazy("This comment is not yours: only the person who wrote it can delete it."),
}


def _own_comment(request: HttpRequest, pk: int, *, to: str) -> Comment:
    """The person's own comment `pk`, to edit or delete; 403 for someone else's."""
    comment = _comment_or_error(request, pk)
    if comment.author_id != request.user.pk:
        raise PermissionDenied(NOT_YOURS[to])
    return comment


def _comment_page(
    request: HttpRequest, template: str, comment: Comment, *, status: int = 200, **context
) -> HttpResponse:
    """A page about one comment (edit it, delete it, flag it), under its book and chapter."""
    context = {"comment": comment, "book": comment.book, "chapter": comment.chapter, **context}
    return render(request, template, context, status=status)


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _own_comment(request, pk, to="edit")
    initial = {"body": comment.body, "suggestion": comment.suggestion}
    form = EditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_edit(user=request.user, comment=comment, **form.cleaned_data)
        except ValidationError as problem:
            error = " ".join(problem.messages)
            return _comment_page(request, EDIT_PAGE, comment, form=form, error=error, status=400)
        return _after_change(request, comment, _("Your comment is updated."))
    return _comment_page(request, EDIT_PAGE, comment, form=form, error="")


@login_required
def delete(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (the button's page without JavaScript); POST removes."""
    comment = _own_comment(request, pk, to="delete")
    if request.method != "POST":
        return _comment_page(request, "comments/comment_delete.html", comment)
    return _service_call(
        request,
        comment,
        lambda: services.comment_delete(user=request.user, comment=comment),
        _("Your comment is removed; replies to it stay."),
    )


@login_required
@require_POST
def vote(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_error(request, pk)
    # The button says which state it asks for, so a double click cannot undo itself.
    voted = {"1": True, "0": False}.get(
        choice_param(request.POST, "voted", choices={"1", "0"}, default="")
    )
    return _service_call(
        request,
        comment,
        lambda: services.vote_toggle(user=request.user, comment=comment, voted=voted),
        _("Thanks for your vote."),
    )


@login_required
def flag(request: HttpRequest, pk: int) -> HttpResponse:
    """Flag someone else's comment once, with a kind and (for "other") a reason; a
    page saying why not to its author or to someone who flagged it already."""
    comment = _comment_or_error(request, pk)
    refusal = services.flag_refusal(user=request.user, comment=comment)
    if refusal:
        status = 403 if comment.author_id == request.user.pk else 200
        return _comment_page(request, FLAG_PAGE, comment, refusal=refusal, status=status)
    form = FlagForm(request.POST if request.method == "POST" else None)
    if request.method != "POST":
        return _comment_page(request, FLAG_PAGE, comment, form=form)
    try:
        if not form.is_valid():
            raise ValidationError([e for errors in form.errors.values() for e in errors])
        services.flag_create(user=request.user, comment=comment, **form.cleaned_data)
    except ValidationError as problem:
        error = " ".join(problem.messages)
        return _comment_page(request, FLAG_PAGE, comment, form=form, error=error, status=400)
    messages.success(request, _("Thank you. The book's editors will look at it."))
    return redirect(comment.get_absolute_url())


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    comment = _comment_or_error(request, pk)
    form = ModerateForm(request.POST)
    if not form.is_valid():
        return _refused(request, comment, _("Choose approve, hide or spam."), 400)
    try:
        services.comment_moderate(user=request.user, comment=comment, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Done."))
    if request.POST.get("next") == "queue":
        return redirect(_moderation_page(comment.book, int_param(request.POST, "page", minimum=1)))
    return redirect(comment.get_absolute_url())


def _moderation_page(book, page: int | None) -> str:
    queue = reverse("comments:moderation", kwargs={"book": book.slug})
    return f"{queue}?page={page}" if page else queue


@login_required
def moderation(request: HttpRequest, book: str) -> HttpResponse:
    found = chapter_selectors.book_get_for_reader(user=request.user, slug=book)
    if not found.is_editor(request.user):
        raise PermissionDenied
    page = int_param(request.GET, "page", minimum=1)
    return render(
        request,
        "comments/moderation.html",
        {"book": found, "queue": selectors.moderation_queue(book=found, page=page)},
    )


def removed_comments(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """Every comment on text removed from the chapter, a page at a time."""
    found = chapter_selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    page = int_param(request.GET, "page", default=1, minimum=1)
    return render(
        request,
        "comments/removed_comments.html",
        {
            "book": found.book,
            "chapter": found,
            "orphaned": selectors.orphaned_comments(user=request.user, chapter=found, page=page),
        },
    )


@conditional_page("chapter")
def passages(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """The passages readers quoted in the chapter, for its "show highlights" switch."""
    found = chapter_selectors.chapter_get_for_reader(user=request.user, book=book, chapter=chapter)
    return JsonResponse(
        {"passages": selectors.chapter_passages(user=request.user, chapter=found)},
        json_dumps_params={"ensure_ascii": False},
    )
