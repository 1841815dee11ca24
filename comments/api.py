"""The annotations API: a W3C Web Annotation Protocol server over the comments.

A book's container (`/api/b/<book>/annotations/`) holds every comment of the book,
each at `<container><id>/`, so an annotation's IRI stays when its paragraph moves to
another chapter; a chapter's container lists that chapter's. Chapter pages link
the book's container (`comments.middleware` and the page's `<link>`).

Reads follow the pages' visibility rules (`Comment.objects.visible_to`), from any
origin (CORS without credentials). Writes go through the same services as the
site and take `Authorization: Bearer <key>` (or `Token <key>`) from the reader's
profile, or a same-site session with its CSRF token: a cookie never writes from
another origin. Every error is JSON with a 4xx and a message; nothing is written then.
"""

import hashlib
import json
import re
from dataclasses import replace
from functools import wraps

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.core.paginator import EmptyPage
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import parse_etags
from django.views.decorators.csrf import csrf_exempt

from accounts.services import user_for_token
from chapters import selectors as chapter_selectors
from comments import posting, services
from comments.annotations import (
    ParsedAnnotation,
    annotation_collection_json,
    annotation_create,
    annotation_extras_save,
    annotation_json,
    annotation_page_json,
    annotation_parse,
    annotation_path,
    chapter_path,
    container_json,
)
from comments.models import Comment
from wethink.paging import IdsFirstPaginator
from wethink.params import MAX_INT, BadParameter, choice_param, int_param

LD_JSON = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
MAX_BODY_BYTES = 64 * 1024
# How deep arrays and objects may nest in a posted annotation; a real one needs 5.
MAX_JSON_DEPTH = 20
MAX_SEARCH_TEXT = 200

LDP = "http://www.w3.org/ns/ldp#"
PREFER_MINIMAL = f"{LDP}PreferMinimalContainer"
PREFER_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PROTOCOL = "http://www.w3.org/TR/annotation-protocol/"
STATES = {"current", "changed", "orphaned", "incorporated"}
UNSAFE = {"POST", "PUT", "DELETE"}

# Cross-origin: reads from anywhere; the headers a Protocol client reads and sends.
# No Access-Control-Allow-Credentials, so a browser never lets another site read
# what a reader's cookies would show, and cookie writes from elsewhere fail the
# origin check in `_reader`.
CORS_EXPOSE = "ETag, Allow, Link, Location, Content-Location, Vary"
CORS_ACCEPT = "Prefer, If-Match, If-None-Match, Authorization, Slug, Content-Type, Accept"


class ApiError(Exception):
    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


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
        response["WWW-Authenticate"] = 'Bearer realm="wethink", Token realm="wethink"'
    return response


def _etag(response: HttpResponse) -> str:
    return f'"{hashlib.sha256(response.content).hexdigest()[:32]}"'


def _link(response: HttpResponse, *links: str) -> None:
    existing = response.get("Link")
    response["Link"] = ", ".join([existing, *links] if existing else links)


def _container_links(request: HttpRequest) -> tuple[str, ...]:
    accepts = request.build_absolute_uri(reverse("comments:api_protocol"))
    return (
        f'<{LDP}BasicContainer>; rel="type"',
        f'<{PROTOCOL}>; rel="{LDP}constrainedBy"',
        f'<{accepts}>; rel="{LDP}constrainedBy"',
    )


def api_view(*methods: str, container: bool = False):
    """A view of the API answering `methods` (HEAD with GET) and OPTIONS.

    Every response gets `Allow` and the CORS headers; OPTIONS (and a CORS preflight)
    is answered here; other methods are a 405 with `Allow`; the usual exceptions
    become JSON errors, never an HTML page and never a 500 for bad input."""
    allowed = {*methods, "OPTIONS", *(("HEAD",) if "GET" in methods else ())}
    allow = ", ".join(
        m for m in ("GET", "HEAD", "OPTIONS", "POST", "PUT", "DELETE") if m in allowed
    )

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = HttpResponse(status=200)
                if container:
                    response["Accept-Post"] = LD_JSON
                    _link(response, *_container_links(request))
                if request.headers.get("Access-Control-Request-Method"):
                    response["Access-Control-Allow-Methods"] = allow
                    response["Access-Control-Allow-Headers"] = CORS_ACCEPT
                    response["Access-Control-Max-Age"] = "600"
            elif request.method not in allowed:
                response = _error(f"{request.method} is not allowed here; use {allow}.", 405)
            else:
                response = _call(view, request, *args, **kwargs)
            response["Allow"] = allow
            response["Access-Control-Allow-Origin"] = "*"
            response["Access-Control-Expose-Headers"] = CORS_EXPOSE
            return response

        return csrf_exempt(wrapped)

    return decorator


def _call(view, request, *args, **kwargs) -> HttpResponse:
    try:
        return view(request, *args, **kwargs)
    except ApiError as error:
        return _error(str(error), error.status)
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
    except posting.RateLimited as error:
        return _error(str(error), 429)
    except ValidationError as error:
        return _error(" ".join(error.messages), 400)


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


def _read_json(request: HttpRequest):
    # The declared length is checked first, so an oversized body is never read.
    declared = int_param(request.META, "CONTENT_LENGTH", default=0)
    if declared > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        raise ApiError(f"The annotation is larger than {MAX_BODY_BYTES // 1024} KB.", 413)
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiError(f"The body is not valid JSON: {error}", 400) from None
    except RecursionError:
        raise ApiError(f"The JSON nests deeper than {MAX_JSON_DEPTH} levels.", 400) from None
    _json_check(data)
    return data


def _same_origin(request: HttpRequest) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.get_host()}"


def _reader(request: HttpRequest):
    """The person a request speaks for: a token's owner (`Bearer` or `Token`), or
    the session's user, whose writes must come from this site with a CSRF token."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, key = header.partition(" ")
        user = user_for_token(key.strip()) if scheme.lower() in {"bearer", "token"} else None
        if user is None:
            raise ApiError("The API token is not valid.", 401)
        return user
    if request.method in UNSAFE and request.user.is_authenticated:
        if not _same_origin(request):
            raise ApiError(
                "From another site, send Authorization: Bearer <key>; cookies cannot write.",
                403,
            )
        refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if refused is not None:
            raise ApiError("CSRF check failed: send the csrftoken cookie's value.", 403)
    return request.user


def _reading_book(request: HttpRequest, slug: str):
    """Who asks (`_reader`) and the book they may read, else a 404."""
    user = _reader(request)
    return user, chapter_selectors.book_get_for_reader(user=user, slug=slug)


def _reading_chapter(request: HttpRequest, book: str, chapter: str):
    """Who asks (`_reader`) and the chapter they may read, else a 404."""
    user = _reader(request)
    return user, chapter_selectors.chapter_get_for_reader(user=user, book=book, chapter=chapter)


def _writer(request: HttpRequest):
    user = _reader(request)
    if not user.is_authenticated:
        raise ApiError("Log in, or send Authorization: Bearer <key>.", 401)
    return user


def _comments(user, book, *, chapter=None, deleted: bool = False):
    """The comments of `book` (of `chapter`, when given) that `user` may see, with
    what their annotations show; not the texts of their chapters and revisions,
    which a page of annotations would otherwise read once per comment."""
    found = Comment.objects.visible_to(user, book=book, chapter=chapter)
    if not deleted:
        found = found.filter(deleted_at__isnull=True)
    return (
        found.select_related(
            "author", "revision", "book", "chapter__book", "parent__book", "parent__chapter"
        )
        .defer("revision__text", "revision__lineage", "chapter__text", "parent__chapter__text")
        .order_by("created_at", "id")
    )


def _items(request: HttpRequest, comments, *, iris: bool) -> list:
    if iris:
        return [request.build_absolute_uri(annotation_path(comment)) for comment in comments]
    urls: dict[int | None, str] = {}
    items = []
    for comment in comments:
        if comment.chapter_id not in urls:
            urls[comment.chapter_id] = _source_url(request, comment)
        items.append(annotation_json(comment, request=request, source_url=urls[comment.chapter_id]))
    return items


def _source_url(request: HttpRequest, comment: Comment) -> str:
    """The page a comment is on: its chapter's, or the book's contents for a comment
    on the book as a whole."""
    if comment.on_whole_book:
        return request.build_absolute_uri(comment.book.get_absolute_url())
    return request.build_absolute_uri(chapter_path(comment.chapter))


def _page_json(request: HttpRequest, page, base_url: str, *, iris=False, query=None) -> dict:
    query = {**(query or {}), **({"iris": 1} if iris else {})}
    items = _items(request, page.object_list, iris=iris)
    return annotation_page_json(page, request=request, base_url=base_url, items=items, query=query)


def _preferences(request: HttpRequest) -> set[str]:
    """The IRIs a `Prefer: return=representation; include="..."` header names."""
    header = request.headers.get("Prefer", "")
    return {
        iri for found in re.findall(r'include\s*=\s*"([^"]*)"', header) for iri in found.split()
    }


def _finish(request: HttpRequest, response: HttpResponse, *, vary: tuple[str, ...]):
    """ETag and Vary; a GET whose If-None-Match matches becomes a 304."""
    response["ETag"] = _etag(response)
    patch_vary_headers(response, vary)
    if request.method in {"GET", "HEAD"}:
        return get_conditional_response(request, etag=response["ETag"], response=response)
    return response


def _collection(
    request: HttpRequest,
    queryset,
    base_url: str,
    *,
    label: str,
    container: bool = True,
    query: dict | None = None,
) -> HttpResponse:
    """A container (or a search's collection) or, with `?page=`, one of its pages."""
    paginator = IdsFirstPaginator(queryset, settings.WETHINK_ANNOTATIONS_PAGE_SIZE)
    iris = choice_param(request.GET, "iris", choices={"0", "1"}, default="0") == "1"
    if "page" in request.GET:
        number = int_param(request.GET, "page", default=1, minimum=1)
        try:
            page = paginator.page(number)
        except EmptyPage:
            raise ApiError(
                f"There is no page {number}; the last is {paginator.num_pages}.", 404
            ) from None
        response = _json(_page_json(request, page, base_url, iris=iris, query=query))
        return _finish(request, response, vary=("Accept",))
    preferred = _preferences(request)
    iris = iris or PREFER_IRIS in preferred
    first = None
    if PREFER_MINIMAL not in preferred:
        first = _page_json(request, paginator.page(1), base_url, iris=iris, query=query)
    data = container_json(
        request=request,
        base_url=base_url,
        label=label,
        total=paginator.count,
        last_page=paginator.num_pages,
        first=first,
        query={**(query or {}), **({"iris": 1} if iris else {})},
        container=container,
    )
    response = _json(data)
    response["Content-Location"] = data["id"]
    if container:
        response["Accept-Post"] = LD_JSON
        _link(response, *_container_links(request))
    if request.headers.get("Prefer"):
        response["Preference-Applied"] = "return=representation"
    return _finish(request, response, vary=("Accept", "Prefer"))


def _annotation_response(request: HttpRequest, comment: Comment, *, status: int = 200):
    data = annotation_json(comment, request=request, source_url=_source_url(request, comment))
    response = _json(data, status=status)
    thread = request.build_absolute_uri(comment.get_absolute_url())
    _link(
        response, f'<{LDP}Resource>; rel="type"', f'<{thread}>; rel="alternate"; type="text/html"'
    )
    return _finish(request, response, vary=("Accept",))


@api_view("GET", "POST", container=True)
def book_annotations(request: HttpRequest, book: str) -> HttpResponse:
    """The book's container: every comment of the book, where annotations are
    created for any of its chapters, or for the book as a whole (the target is
    the book's URL)."""
    user, found = _reading_book(request, book)
    if request.method == "POST":
        return _create(request, _writer(request), book=found)
    base = reverse("comments:api_book_annotations", kwargs={"book": book})
    return _collection(request, _comments(user, found), base, label=f"Comments on {found.title}")


@api_view("GET", "POST", container=True)
def chapter_annotations(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    """A chapter's container: the comments anchored in it now. What is created here
    gets its IRI in the book's container, like every comment."""
    user, found = _reading_chapter(request, book, chapter)
    if request.method == "POST":
        return _create(request, _writer(request), book=found.book, chapter=found)
    base = reverse("comments:api_chapter_annotations", kwargs={"book": book, "chapter": chapter})
    comments = _comments(user, found.book, chapter=found)
    return _collection(request, comments, base, label=f"Comments on {found.title}")


@api_view("GET", "PUT", "DELETE")
def annotation(request: HttpRequest, book: str, pk: int) -> HttpResponse:
    """One comment as an annotation: read it, replace its text (PUT with If-Match)
    or remove it (DELETE), as its author would on the site."""
    user, found = _reading_book(request, book)
    if pk > MAX_INT:
        raise Http404
    comment = _comments(user, found, deleted=True).filter(pk=pk).first()
    if comment is None:
        raise Http404
    if comment.is_deleted:
        raise ApiError("This comment was removed.", 410)
    if request.method == "PUT":
        return _update(request, _writer(request), comment)
    if request.method == "DELETE":
        return _delete(request, _writer(request), comment)
    return _annotation_response(request, comment)


@api_view("GET")
def annotation_search(request: HttpRequest, book: str) -> HttpResponse:
    """The book's comments found by chapter, user (username), quote (words of the
    quoted passage), text (words of the comment or suggestion) and state, each
    optional, as an AnnotationCollection with the same pages as a container."""
    user, found = _reading_book(request, book)
    query = {name: _search_text(request.GET, name) for name in ("chapter", "user", "quote", "text")}
    query["state"] = choice_param(request.GET, "state", choices=STATES, default="")
    query = {name: value for name, value in query.items() if value}
    comments = _search_filtered(_comments(user, found), query)
    base = reverse("comments:api_annotation_search", kwargs={"book": book})
    label = f"Comments on {found.title} found by a search"
    return _collection(request, comments, base, label=label, container=False, query=query)


def _search_filtered(comments, query: dict):
    """`comments` narrowed by each term of an annotation search (all optional)."""
    if "chapter" in query:
        comments = comments.filter(chapter__slug=query["chapter"])
    if "user" in query:
        comments = comments.filter(author__username=query["user"])
    if "quote" in query:
        comments = comments.filter(quote_exact__icontains=query["quote"])
    if "text" in query:
        text = query["text"]
        comments = comments.filter(Q(body__icontains=text) | Q(suggestion__icontains=text))
    state = query.get("state")
    if state == "incorporated":
        comments = comments.filter(decision=Comment.Decision.INCORPORATED)
    elif state:
        incorporated = Comment.Decision.INCORPORATED
        comments = comments.filter(anchor_state=state).exclude(decision=incorporated)
    return comments


def _search_text(params, name: str) -> str:
    value = (params.get(name) or "").strip()
    if len(value) > MAX_SEARCH_TEXT:
        raise BadParameter(f"“{name}” is at most {MAX_SEARCH_TEXT} characters.")
    if "\x00" in value:
        raise BadParameter(f"“{name}” contains a NUL character.")
    return value


@api_view("GET")
def book_collection(request: HttpRequest, book: str) -> HttpResponse:
    """Every visible comment of a book as one AnnotationCollection (the first page
    embedded, the rest linked), offered as a download."""
    user, found = _reading_book(request, book)
    base = reverse("comments:api_book_annotations", kwargs={"book": book})
    paginator = IdsFirstPaginator(_comments(user, found), settings.WETHINK_ANNOTATIONS_PAGE_SIZE)
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


@api_view("GET")
def chapter_blocks(request: HttpRequest, book: str, chapter: str) -> HttpResponse:
    _user, found = _reading_chapter(request, book, chapter)
    blocks = chapter_selectors.revision_blocks(revision=found.current_revision)
    return _json(
        [{"pid": b.pid, "n": b.position, "text": b.text} for b in blocks],
        content_type="application/json",
        safe=False,
    )


def protocol_page(request: HttpRequest) -> HttpResponse:
    """What the containers accept: the page their `ldp#constrainedBy` links name."""
    return render(
        request,
        "comments/annotation_protocol.html",
        {"page_size": settings.WETHINK_ANNOTATIONS_PAGE_SIZE},
    )


def _create(request: HttpRequest, user, *, book, chapter=None) -> HttpResponse:
    data = _read_json(request)
    if chapter is not None:
        parsed = annotation_parse(data, chapter_path=chapter_path(chapter))
    else:
        parsed = annotation_parse(data, book_path=book.get_absolute_url())
    if chapter is None and parsed.reply_to is None and not parsed.whole_book:
        chapter = _target_chapter(user, book, parsed.source_path)
    with transaction.atomic():
        comment = annotation_create(user=user, book=book, chapter=chapter, parsed=parsed)
        annotation_extras_save(comment=comment, parsed=parsed)
    comment = _comments(user, book).get(pk=comment.pk)
    response = _annotation_response(request, comment, status=201)
    response["Location"] = request.build_absolute_uri(annotation_path(comment))
    return response


def _target_chapter(user, book, source_path: str | None):
    """The chapter of `book` whose page is the target's source."""
    try:
        match = resolve(source_path or "")
    except Resolver404:
        match = None
    if (
        match is None
        or match.view_name != "chapters:chapter_detail"
        or match.kwargs.get("book") != book.slug
    ):
        raise ValidationError(
            "The target's source must be the URL of a chapter of this book, as its page shows."
        )
    try:
        return chapter_selectors.chapter_get_for_reader(
            user=user, book=book.slug, chapter=match.kwargs["chapter"]
        )
    except Http404:
        raise ValidationError("The target's chapter does not exist.") from None


def _precondition(request: HttpRequest, comment: Comment, *, required: bool) -> None:
    """An `If-Match` naming the annotation's current ETag: 428 without one (when
    `required`), 412 when the annotation changed since the client read it."""
    header = request.headers.get("If-Match")
    if not header:
        if required:
            raise ApiError(
                "Send If-Match with the annotation's ETag, so a change made since you "
                "read it is not overwritten.",
                428,
            )
        return
    current = _annotation_response(request, comment)["ETag"]
    # A weak form of the tag is accepted: a compressing proxy may have weakened it.
    tags = {tag.removeprefix("W/") for tag in parse_etags(header)}
    if "*" not in tags and current not in tags:
        raise ApiError(
            "The annotation changed since you read it: read it again (its ETag) and retry.",
            412,
        )


def _target_kept(comment: Comment, parsed: ParsedAnnotation) -> bool:
    if comment.parent_id:
        return parsed.reply_to == str(comment.parent_id)
    if comment.on_whole_book:
        return parsed.whole_book
    return (
        parsed.reply_to is None
        and parsed.source_path == chapter_path(comment.chapter)
        and parsed.pid in {None, comment.pid}
        and parsed.quote == comment.quote_exact
    )


def _update(request: HttpRequest, user, comment: Comment) -> HttpResponse:
    if comment.author_id != user.pk:
        raise PermissionDenied("Only the comment's author can change it.")
    _precondition(request, comment, required=True)
    data = _read_json(request)
    parsed = annotation_parse(data, book_path=comment.book.get_absolute_url())
    own = request.build_absolute_uri(annotation_path(comment))
    if data.get("id") not in {None, own}:
        raise ValidationError(f"The id is {own}; it cannot change.")
    if not _target_kept(comment, parsed):
        raise ValidationError(
            "The target cannot change: send the target as read. To comment elsewhere, "
            "create a new annotation."
        )
    with transaction.atomic():
        services.comment_edit(
            user=user, comment=comment, body=parsed.body, suggestion=parsed.suggestion
        )
        # An `id` sent back is this annotation's own, not where it came from.
        annotation_extras_save(comment=comment, parsed=replace(parsed, via=""))
    comment = _comments(user, comment.book).get(pk=comment.pk)
    return _annotation_response(request, comment)


def _delete(request: HttpRequest, user, comment: Comment) -> HttpResponse:
    if comment.author_id != user.pk:
        raise PermissionDenied("Only the comment's author can remove it.")
    _precondition(request, comment, required=False)
    services.comment_delete(user=user, comment=comment)
    return HttpResponse(status=204)
