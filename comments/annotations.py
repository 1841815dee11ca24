"""Comments as W3C Web Annotations (JSON-LD), and annotations back into comments.

`annotation_json`, `annotation_page_json` and `container_json` write the Web
Annotation Data Model and the Protocol's containers; `annotation_parse` reads an
annotation from outside and says plainly what is wrong with it; `annotation_extras_save`
keeps what a comment has no column of its own for (canonical, via, tags). Extension
fields in the `wethink:` namespace say where a comment stands now.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.db import transaction
from django.urls import reverse

from chapters import selectors as chapter_selectors
from chapters.models import Block
from comments import services
from comments.models import Comment
from wethink.params import MAX_INT

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
# The FragmentSelector's value is an HTML fragment identifier (the block's id).
FRAGMENT_SPEC = "http://tools.ietf.org/rfc/rfc3236"
PID_FRAGMENT = re.compile(r"^p-([a-z0-9]{1,16})$")
# A reply's target: a comment's annotation IRI, or (as before the Protocol) its
# place on the thread page.
ANNOTATION_PATH = re.compile(r"^/api/b/[^/]+/annotations/([0-9]{1,18})/?$")
MAX_IRI = 2000
MAX_TAG = 100
MAX_TAGS = 20


def context(request) -> list:
    return [ANNO_CONTEXT, {"wethink": request.build_absolute_uri("/ns#")}]


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def annotation_path(comment: Comment) -> str:
    """A comment's IRI (path): under its book's container, by its own key, so it
    stays the same when its paragraph moves to another chapter."""
    return reverse("comments:api_annotation", kwargs={"book": comment.book.slug, "pk": comment.pk})


def annotation_json(comment: Comment, *, request, source_url: str) -> dict:
    """One comment as an Annotation. `source_url` is the absolute URL of the page it
    is on: the chapter it is anchored to now, or for a comment on the book as a
    whole the book's contents, then its target as a whole (passed in so a page of
    items costs no query per item)."""
    purpose = "replying" if comment.parent_id else "commenting"
    body = [
        {
            "type": "TextualBody",
            "value": comment.body,
            "format": "text/markdown",
            "purpose": purpose,
        }
    ]
    if comment.suggestion:
        body.append({"type": "TextualBody", "value": comment.suggestion, "purpose": "editing"})
    for tag in comment.tags or []:
        body.append({"type": "TextualBody", "value": tag, "purpose": "tagging"})
    if comment.parent_id:
        target = request.build_absolute_uri(annotation_path(comment.parent))
        motivation = "replying"
    elif comment.on_whole_book:
        target = source_url
        motivation = "commenting"
    else:
        selectors: list[dict] = [
            {"type": "FragmentSelector", "value": f"p-{comment.pid}", "conformsTo": FRAGMENT_SPEC}
        ]
        if comment.quote_exact:
            selectors.append(
                {
                    "type": "TextQuoteSelector",
                    "exact": comment.quote_exact,
                    "prefix": comment.quote_prefix,
                    "suffix": comment.quote_suffix,
                }
            )
        target = {"source": source_url, "selector": selectors}
        motivation = "editing" if comment.suggestion else "commenting"
    data = {
        "@context": context(request),
        "id": request.build_absolute_uri(annotation_path(comment)),
        "type": "Annotation",
        "motivation": motivation,
        "created": _iso(comment.created_at),
        "modified": _iso(comment.edited_at or comment.created_at),
        "creator": {"type": "Person", "nickname": comment.author.get_username()},
        "body": body,
        "target": target,
    }
    if comment.canonical:
        data["canonical"] = comment.canonical
    if comment.via:
        data["via"] = comment.via
    data.update({"wethink:state": comment.state, "wethink:pid": comment.pid})
    if not comment.on_whole_book:
        data["wethink:revision"] = comment.revision.number
        data["wethink:chapter"] = comment.chapter.slug
    return data


def page_url(request, base_url: str, number: int, query: dict | None = None) -> str:
    """A page's IRI: the collection's query (filters, `iris`) and the page number,
    so a page needs no Prefer header to be read the same way again."""
    return request.build_absolute_uri(f"{base_url}?{urlencode({**(query or {}), 'page': number})}")


def collection_url(request, base_url: str, query: dict | None = None) -> str:
    suffix = f"?{urlencode(query)}" if query else ""
    return request.build_absolute_uri(f"{base_url}{suffix}")


def annotation_page_json(
    page: Page, *, request, base_url: str, items: list, query: dict | None = None
) -> dict:
    """An AnnotationPage, part of an AnnotationCollection that counts every item.
    `items` are annotations, or their IRIs only."""
    paginator = page.paginator
    data = {
        "@context": context(request),
        "id": page_url(request, base_url, page.number, query),
        "type": "AnnotationPage",
        "partOf": {
            "id": collection_url(request, base_url, _without_iris(query)),
            "type": "AnnotationCollection",
            "total": paginator.count,
            "first": page_url(request, base_url, 1, query),
            "last": page_url(request, base_url, paginator.num_pages, query),
        },
        "startIndex": page.start_index() - 1 if paginator.count else 0,
        "items": items,
    }
    if page.has_next():
        data["next"] = page_url(request, base_url, page.next_page_number(), query)
    if page.has_previous():
        data["prev"] = page_url(request, base_url, page.previous_page_number(), query)
    return data


def _without_iris(query: dict | None) -> dict:
    return {key: value for key, value in (query or {}).items() if key != "iris"}


def container_json(
    *,
    request,
    base_url: str,
    label: str,
    total: int,
    last_page: int,
    first: dict | None,
    query: dict | None = None,
    container: bool = True,
) -> dict:
    """An AnnotationCollection, and with `container` an LDP BasicContainer too (the
    Protocol's Annotation Container). `first` is the embedded first page, or None for
    a minimal representation that links its first and last pages only."""
    page_query = query or {}
    anno, *extra = context(request)
    data = {
        "@context": [anno, LDP_CONTEXT, *extra] if container else [anno, *extra],
        "id": collection_url(request, base_url, _without_iris(query)),
        "type": ["BasicContainer", "AnnotationCollection"] if container else "AnnotationCollection",
        "label": label,
        "total": total,
        "first": page_url(request, base_url, 1, page_query),
        "last": page_url(request, base_url, last_page, page_query),
    }
    if first is not None:
        first = {key: value for key, value in first.items() if key not in {"@context", "partOf"}}
        data["first"] = first
    return data


def annotation_collection_json(
    *, book, request, base_url: str, first: dict | None, total: int, last_page: int
) -> dict:
    """A book's annotations as one AnnotationCollection, its first page embedded."""
    data = {
        "@context": context(request),
        "id": request.build_absolute_uri(base_url),
        "type": "AnnotationCollection",
        "label": f"Comments on {book.title}",
        "total": total,
    }
    if total:
        data["first"] = first
        data["last"] = request.build_absolute_uri(f"{base_url}?page={last_page}")
    return data


@dataclass(frozen=True)
class ParsedAnnotation:
    body: str
    suggestion: str
    pid: str | None
    quote: str
    quote_prefix: str
    reply_to: str | None
    revision: int | None
    # The path of the target's source (a chapter page), None for a reply.
    source_path: str | None = None
    # The target is the book as a whole (its contents' URL, no selector).
    whole_book: bool = False
    tags: tuple[str, ...] = ()
    canonical: str = ""
    via: str = ""


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _tag(value: str) -> str:
    tag = " ".join(value.split())
    if not tag:
        raise ValidationError("A tagging body's value must not be empty.")
    if len(tag) > MAX_TAG:
        raise ValidationError(f"A tag is at most {MAX_TAG} characters.")
    return tag


def _text_bodies(data: dict) -> tuple[str, str, tuple[str, ...]]:
    bodies = _as_list(data.get("body"))
    if "bodyValue" in data:
        if not isinstance(data["bodyValue"], str):
            raise ValidationError("bodyValue must be a string.")
        bodies.append({"type": "TextualBody", "value": data["bodyValue"]})
    comment, suggestion = "", ""
    tags: list[str] = []
    for body in bodies:
        if isinstance(body, str) or not isinstance(body, dict):
            raise ValidationError(
                "Only text bodies are supported: give each body as a TextualBody with a value."
            )
        types = _as_list(body.get("type"))
        if not all(isinstance(kind, str) for kind in types):
            raise ValidationError("A body's type must be a string or a list of strings.")
        if "value" not in body or (types and not {"TextualBody", "Text"} & set(types)):
            raise ValidationError(
                "Only text bodies are supported: give each body as a TextualBody with a value."
            )
        if not isinstance(body["value"], str):
            raise ValidationError("A body's value must be a string.")
        purposes = _as_list(body.get("purpose"))
        if "tagging" in purposes:
            tag = _tag(body["value"])
            if tag not in tags:
                tags.append(tag)
        elif "editing" in purposes:
            if suggestion:
                raise ValidationError("Give at most one body with purpose 'editing'.")
            suggestion = body["value"]
        elif comment:
            comment = f"{comment}\n\n{body['value']}"
        else:
            comment = body["value"]
    if not comment.strip():
        raise ValidationError("The annotation has no comment: add a TextualBody with a value.")
    if len(tags) > MAX_TAGS:
        raise ValidationError(f"Give at most {MAX_TAGS} tags.")
    return comment, suggestion, tuple(tags)


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError:
        raise ValidationError(f"The URL {url[:200]!r} cannot be read.") from None


def _source_path(source) -> str:
    if not isinstance(source, str):
        raise ValidationError("The target's source must be the chapter's URL.")
    return _split(source).path


def _iri(data: dict, key: str) -> str:
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str) or not value or any(char.isspace() for char in value):
        raise ValidationError(f"'{key}' must be an IRI.")
    if len(value) > MAX_IRI:
        raise ValidationError(f"'{key}' is longer than {MAX_IRI} characters.")
    if not _split(value).scheme:
        raise ValidationError(f"'{key}' must be an absolute IRI.")
    return value


def _reply_to(parts) -> str | None:
    found = ANNOTATION_PATH.match(parts.path)
    if found:
        return found.group(1)
    if re.fullmatch(r"c[0-9]{1,18}", parts.fragment or ""):
        return parts.fragment[1:]
    return None


def _selectors(target: dict) -> tuple[str, str, str]:
    """The paragraph and passage a target's selectors name. Selectors of other
    kinds (a RangeSelector, a TextPositionSelector) are ignored when a usable
    FragmentSelector or TextQuoteSelector is there, and refused otherwise."""
    pid = quote = prefix = ""
    unusable = None
    for selector in _as_list(target.get("selector")):
        if not isinstance(selector, dict):
            raise ValidationError("Each selector must be an object.")
        kind = selector.get("type")
        if kind == "FragmentSelector":
            found = PID_FRAGMENT.match(str(selector.get("value", "")))
            if found:
                pid = found.group(1)
            else:
                unusable = unusable or "A FragmentSelector's value must be p-<pid>."
        elif kind == "TextQuoteSelector":
            quote = selector.get("exact", "")
            prefix = selector.get("prefix", "")
            if not isinstance(quote, str) or not isinstance(prefix, str) or not quote:
                raise ValidationError("A TextQuoteSelector needs a text 'exact'.")
        else:
            unusable = unusable or (
                f"Selector type {str(kind)[:100]!r} is not supported: use FragmentSelector "
                "and TextQuoteSelector."
            )
    if not pid and not quote:
        raise ValidationError(
            unusable or "Say which paragraph: add a FragmentSelector with value p-<pid>."
        )
    return pid, quote, prefix


def _whole_book(target, book_path: str) -> bool:
    """Whether a target names the book at `book_path` as a whole."""
    if isinstance(target, dict):
        if "selector" in target or not isinstance(target.get("source"), str):
            return False
        target = target["source"]
    if not isinstance(target, str):
        return False
    parts = _split(target)
    return parts.path == book_path and not parts.fragment


def annotation_parse(
    data, *, chapter_path: str | None = None, book_path: str | None = None
) -> ParsedAnnotation:
    """Read an incoming annotation for the chapter at `chapter_path`, or, without
    one, for whichever chapter its target names (`source_path`).

    The target is the chapter (its URL as `source`, or a URL with `#p-<pid>`), with
    a FragmentSelector `p-<pid>` and/or a TextQuoteSelector; or, for a reply, the
    IRI of the comment replied to; or, given `book_path`, the book as a whole (that
    URL, alone or as a `source` with no selector). `tagging` bodies become tags;
    `canonical` is kept, and an `id` from elsewhere is kept as `via`."""
    if not isinstance(data, dict):
        raise ValidationError("Send one annotation as a JSON object.")
    body, suggestion, tags = _text_bodies(data)
    targets = _as_list(data.get("target"))
    if len(targets) != 1:
        raise ValidationError("Give exactly one target: the chapter, or a comment to reply to.")
    target = targets[0]
    pid = quote = prefix = ""
    reply_to = source_path = None
    whole_book = False
    if book_path is not None and _whole_book(target, book_path):
        whole_book, source_path = True, book_path
    elif isinstance(target, str):
        parts = _split(target)
        found = PID_FRAGMENT.match(parts.fragment or "")
        if found and (chapter_path is None or parts.path == chapter_path):
            pid, source_path = found.group(1), parts.path
        elif (reply := _reply_to(parts)) is not None:
            reply_to = reply
        elif parts.path == chapter_path:
            raise ValidationError("A target URL must end with #p-<pid> to name a paragraph.")
        else:
            raise ValidationError("The target is neither this chapter nor one of its comments.")
    elif isinstance(target, dict):
        source_path = _source_path(target.get("source"))
        if chapter_path is not None and source_path != chapter_path:
            raise ValidationError("The target's source must be this chapter's URL.")
        pid, quote, prefix = _selectors(target)
    else:
        raise ValidationError("The target must be a URL or an object with a source.")
    revision = data.get("wethink:revision")
    if revision is not None and (
        isinstance(revision, bool) or not isinstance(revision, int) or not 1 <= revision <= MAX_INT
    ):
        raise ValidationError("wethink:revision must be a revision number.")
    return ParsedAnnotation(
        body,
        suggestion,
        pid or None,
        quote,
        prefix,
        reply_to,
        revision,
        source_path=source_path,
        whole_book=whole_book,
        tags=tags,
        canonical=_iri(data, "canonical"),
        via=_iri(data, "id"),
    )


@transaction.atomic
def annotation_extras_save(*, comment: Comment, parsed: ParsedAnnotation) -> Comment:
    """Keep what an annotation carries beyond a comment's text: its tags, its
    canonical IRI (never changed once set) and where it came from (`via`). Called
    by the API right after the comment service, in the same transaction."""
    if comment.canonical and parsed.canonical and parsed.canonical != comment.canonical:
        raise ValidationError("An annotation's canonical IRI cannot change.")
    fields = []
    if list(parsed.tags) != list(comment.tags or []):
        comment.tags = list(parsed.tags)
        fields.append("tags")
    if parsed.canonical and not comment.canonical:
        comment.canonical = parsed.canonical
        fields.append("canonical")
    if parsed.via and not comment.via:
        comment.via = parsed.via
        fields.append("via")
    if fields:
        comment.full_clean()
        comment.save(update_fields=fields)
    return comment


def chapter_path(chapter) -> str:
    return reverse(
        "chapters:chapter_detail", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )


def annotation_create(*, user, book, chapter, parsed: ParsedAnnotation) -> Comment:
    """The comment an incoming annotation makes, through the comment services: a
    reply to a comment `user` may see (in `chapter`, when one is given), a comment
    on the book as a whole, or a comment on a paragraph of `chapter` (named by the
    FragmentSelector, else found by the quote) at the revision it names. Called by
    the API inside its transaction, before `annotation_extras_save`."""
    if parsed.reply_to:
        parent = (
            Comment.objects.visible_to(user, book=book)
            .filter(pk=parsed.reply_to)
            .select_related("book", "chapter", "parent")
            .first()
        )
        if parent is None:
            raise ValidationError("The comment replied to does not exist.")
        if chapter is not None and parent.chapter_id != chapter.pk:
            raise ValidationError(
                "The comment replied to is in another chapter; post the reply there."
            )
        return services.comment_reply(user=user, parent=parent, body=parsed.body)
    if parsed.whole_book:
        return services.comment_create_on_book(
            user=user, book=book, body=parsed.body, quote=parsed.quote, suggestion=parsed.suggestion
        )
    revision = (
        chapter_selectors.revision_written_on(chapter=chapter, number=parsed.revision)
        or chapter.current_revision
    )
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
