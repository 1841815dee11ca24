"""The annotations API: comments as W3C Web Annotations, read and written as JSON-LD.

Reads follow the pages' visibility rules. Writes take a signed-in session (with
CSRF) or `Authorization: Token <key>` from the reader's profile. Every error is
JSON with a 4xx and a message saying what is wrong; nothing is written then.
"""

import json

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from accounts.services import user_for_token
from chapters import selectors as chapter_selectors
from chapters.models import Block, ChapterRevision
from comments import services
from comments.annotations import (
    annotation_collection_json,
    annotation_json,
    annotation_page_json,
    annotation_parse,
    chapter_path,
)
from comments.models import Comment
from wethink.params import MAX_INT, BadParameter, int_param

LD_JSON = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
PAGE_SIZE = 100
MAX_BODY_BYTES = 64 * 1024
# How deep arrays and objects may nest in a posted annotation; a real one needs 5.
MAX_JSON_DEPTH = 20


def _json(
    data, *, status: int = 200, content_type: str = LD_JSON, safe: bool = True
) -> JsonResponse:
    return JsonResponse(
        data,
        status=status,
        content_type=content_type,
        safe=safe,
        json_dumps_params={"ensure_ascii": False},
    )


def _error(message: str, status: int) -> JsonResponse:
    response = _json({"error": message}, status=status, content_type="application/json")
    if status == 401:
        response["WWW-Authenticate"] = "Token"
    return response


def api_view(view):
    """Turn the usual exceptions into JSON errors: never an HTML page, never a 500
    for bad input."""

    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error("Not found.", 404)
        except PermissionDenied as error:
            return _error(str(error) or "Not allowed.", 403)
        except RequestDataTooBig:
            return _error(f"The request is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
        except BadParameter as error:
            return _error(str(error), 400)
        except (BadRequest, SuspiciousOperation):
            return _error("The request cannot be read.", 400)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def _not_allowed(message: str, allow: str) -> JsonResponse:
    response = _error(message, 405)
    response["Allow"] = allow
    return response


def _json_check(data, depth: int = 0) -> None:
    """Refuse JSON nested too deep, strings no text may hold (NUL, lone
    surrogates) and integers beyond any id, wherever they are in the document."""
    if depth > MAX_JSON_DEPTH:
        raise ValidationError(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.")
    if isinstance(data, str):
        if "\x00" in data:
            raise ValidationError("The JSON contains a NUL character, which no text may hold.")
        try:
            data.encode()
        except UnicodeEncodeError:
            raise ValidationError("The JSON contains a lone surrogate (\\ud800-\\udfff).") from None
    elif isinstance(data, int) and not isinstance(data, bool) and abs(data) > MAX_INT:
        raise ValidationError(f"The number {data} is too large.")
    elif isinstance(data, dict):
        for key, value in data.items():
            _json_check(key, depth + 1)
            _json_check(value, depth + 1)
    elif isinstance(data, list):
        for value in data:
            _json_check(value, depth + 1)


def _reader(request: HttpRequest):
    """The person a request speaks for: a token's owner, or the session's user (whose
    POSTs must then carry a CSRF token). Returns (user, error response)."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, key = header.partition(" ")
        user = user_for_token(key.strip()) if scheme == "Token" else None
        if user is None:
            return None, _error("The API token is not valid.", 401)
        return user, None
    if request.method == "POST" and request.user.is_authenticated:
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            return None, _error("CSRF check failed: send the csrftoken cookie's value.", 403)
    return request.user, None


def _comments(user, book):
    return (
        Comment.objects.visible_to(user, book=book)
        .filter(deleted_at__isnull=True)
        .select_related(
            "author", "revision", "book", "chapter__book", "parent__book", "parent__chapter"
        )
        .order_by("created_at", "id")
    )


def _page_json(request: HttpRequest, page, base_url: str) -> dict:
    urls: dict[int, str] = {}
    items = []
    for comment in page.object_list:
        if comment.chapter_id not in urls:
            urls[comment.chapter_id] = request.build_absolute_uri(chapter_path(comment.chapter))
        items.append(
            annotation_json(comment, request=request, chapter_url=urls[comment.chapter_id])
        )
    return annotation_page_json(page, request=request, base_url=base_url, items=items)


def _page(request: HttpRequest, queryset, base_url: str) -> JsonResponse:
    number = int_param(request.GET, "page", default=1, minimum=1)
    paginator = Paginator(queryset, PAGE_SIZE)
    try:
        page = paginator.page(number)
    except EmptyPage:
        if number == 1:
            page = paginator.page(1)
        else:
            return _error(f"There is no page {number}; the last is {paginator.num_pages}.", 404)
    return _json(_page_json(request, page, base_url))


@api_view
def book_collection(request: HttpRequest, book: str) -> HttpResponse:
    """Every visible comment of a book as one AnnotationCollection (the first page
    embedded, the rest linked), offered as a download."""
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("Use GET to download the collection.", "GET, HEAD")
    user, refused = _reader(request)
    if refused:
        return refused
    found = chapter_selectors.book_get_for_reader(user=user, slug=book)
    base = reverse("comments:api_book_annotations", kwargs={"book": book})
    paginator = Paginator(_comments(user, found), PAGE_SIZE)
    first = _page_json(request, paginator.page(1), base) if paginator.count else None
    response = _json(
        annotation_collection_json(
            book=found,
            request=request,
            base_url=base,
            first=first,
            total=paginator.count,
            last_page=paginator.num_pages,
        )
    )
    response["Content-Disposition"] = f'attachment; filename="{found.slug}-annotations.jsonld"'
    return response


@api_view
def book_annotations(request: HttpRequest, book: str) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed(
            "Use GET; comments are created on a chapter's annotations.", "GET, HEAD"
        )
    user, refused = _reader(request)
    if refused:
        return refused
    found = chapter_selectors.book_get_for_reader(user=user, slug=book)
    base = reverse("comments:api_book_annotations", kwargs={"book": book})
    return _page(request, _comments(user, found), base)


@api_view
def chapter_annotations(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    user, refused = _reader(request)
    if refused:
        return refused
    found = chapter_selectors.chapter_get_for_reader(user=user, book=book, chapter=chapter)
    if request.method == "POST":
        return _create(request, user, found)
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("Use GET to read annotations or POST to create one.", "GET, POST")
    base = reverse("comments:api_chapter_annotations", kwargs={"book": book, "chapter": chapter})
    return _page(request, _comments(user, found.book).filter(chapter=found), base)


@api_view
def chapter_blocks(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    if request.method not in {"GET", "HEAD"}:
        return _not_allowed("Use GET to read a chapter's blocks.", "GET, HEAD")
    user, refused = _reader(request)
    if refused:
        return refused
    found = chapter_selectors.chapter_get_for_reader(user=user, book=book, chapter=chapter)
    blocks = Block.objects.filter(revision_id=found.current_revision_id).order_by("position")
    return _json(
        [{"pid": b.pid, "n": b.position, "text": b.text} for b in blocks],
        content_type="application/json",
        safe=False,
    )


def _create(request: HttpRequest, user, chapter) -> HttpResponse:
    if not user.is_authenticated:
        return _error("Log in, or send Authorization: Token <key>.", 401)
    # The declared length is checked first, so an oversized body is never read.
    declared = int_param(request.META, "CONTENT_LENGTH", default=0)
    if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        return _error(f"The annotation is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        return _error(f"The body is not valid JSON: {error}", 400)
    except RecursionError:
        return _error(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", 400)
    try:
        _json_check(data)
        parsed = annotation_parse(data, chapter_path=chapter_path(chapter))
        comment = _write(user, chapter, parsed)
    except services.RateLimited as error:
        return _error(str(error), 429)
    except ValidationError as error:
        return _error(" ".join(error.messages), 400)
    comment = _comments(user, chapter.book).get(pk=comment.pk)
    chapter_url = request.build_absolute_uri(chapter_path(comment.chapter))
    response = _json(annotation_json(comment, request=request, chapter_url=chapter_url), status=201)
    response["Location"] = request.build_absolute_uri(comment.get_absolute_url())
    return response


def _write(user, chapter, parsed) -> Comment:
    if parsed.reply_to:
        parent = (
            Comment.objects.visible_to(user, book=chapter.book)
            .filter(pk=parsed.reply_to)
            .select_related("book", "chapter", "parent")
            .first()
        )
        if parent is None:
            raise ValidationError("The comment replied to does not exist.")
        if parent.chapter_id != chapter.pk:
            raise ValidationError(
                "The comment replied to is in another chapter; post the reply there."
            )
        return services.comment_reply(user=user, parent=parent, body=parsed.body)
    revision = chapter.current_revision
    if parsed.revision is not None:
        revision = ChapterRevision.objects.filter(chapter=chapter, number=parsed.revision).first()
        if revision is None:
            raise ValidationError(f"Revision {parsed.revision} of this chapter does not exist.")
    pid = parsed.pid
    if pid is None:
        holders = list(
            Block.objects.filter(revision=revision, text__contains=parsed.quote).values_list(
                "pid", flat=True
            )[:2]
        )
        if len(holders) != 1:
            raise ValidationError(
                "The quote is in no paragraph or in several: say which paragraph "
                "with a FragmentSelector."
            )
        pid = holders[0]
    return services.comment_create(
        user=user,
        chapter=chapter,
        pid=pid,
        body=parsed.body,
        quote=parsed.quote,
        quote_prefix=parsed.quote_prefix,
        suggestion=parsed.suggestion,
        revision=revision,
    )
