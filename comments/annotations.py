"""Comments as W3C Web Annotations (JSON-LD), and annotations back into comments.

`annotation_json` and `annotation_page_json` write the Web Annotation Data Model;
`annotation_parse` reads one from outside and says plainly what is wrong with it.
Extension fields in the `wethink:` namespace say where a comment stands now.
"""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.paginator import Page
from django.urls import reverse

from comments.models import Comment
from wethink.params import MAX_INT

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
FRAGMENT_SPEC = "http://tools.ietf.org/rfc/rfc3987"
PID_FRAGMENT = re.compile(r"^p-([a-z0-9]{1,16})$")


def context(request) -> list:
    return [ANNO_CONTEXT, {"wethink": request.build_absolute_uri("/ns#")}]


def _iso(value) -> str:
    return value.isoformat().replace("+00:00", "Z")


def annotation_json(comment: Comment, *, request, chapter_url: str) -> dict:
    """One comment as an Annotation. `chapter_url` is the absolute URL of the chapter
    it is anchored to now (passed in so a page of items costs no query per item)."""
    comment_url = request.build_absolute_uri(comment.get_absolute_url())
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
    if comment.parent_id:
        target = request.build_absolute_uri(comment.parent.get_absolute_url())
        motivation = "replying"
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
        target = {"source": chapter_url, "selector": selectors}
        motivation = "editing" if comment.suggestion else "commenting"
    return {
        "@context": context(request),
        "id": comment_url,
        "type": "Annotation",
        "motivation": motivation,
        "created": _iso(comment.created_at),
        "modified": _iso(comment.edited_at or comment.created_at),
        "creator": {"type": "Person", "nickname": comment.author.get_username()},
        "body": body,
        "target": target,
        "wethink:state": comment.state,
        "wethink:revision": comment.revision.number,
        "wethink:pid": comment.pid,
        "wethink:chapter": comment.chapter.slug,
    }


def annotation_page_json(page: Page, *, request, base_url: str, items: list[dict]) -> dict:
    """An AnnotationPage, part of an AnnotationCollection that counts every item."""
    paginator = page.paginator

    def page_url(number: int) -> str:
        return request.build_absolute_uri(f"{base_url}?page={number}")

    data = {
        "@context": context(request),
        "id": page_url(page.number),
        "type": "AnnotationPage",
        "partOf": {
            "id": request.build_absolute_uri(base_url),
            "type": "AnnotationCollection",
            "total": paginator.count,
            "first": page_url(1),
            "last": page_url(paginator.num_pages),
        },
        "startIndex": page.start_index() - 1 if paginator.count else 0,
        "items": items,
    }
    if page.has_next():
        data["next"] = page_url(page.next_page_number())
    if page.has_previous():
        data["prev"] = page_url(page.previous_page_number())
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


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text_bodies(data: dict) -> tuple[str, str]:
    bodies = _as_list(data.get("body"))
    if "bodyValue" in data:
        if not isinstance(data["bodyValue"], str):
            raise ValidationError("bodyValue must be a string.")
        bodies.append({"type": "TextualBody", "value": data["bodyValue"]})
    comment, suggestion = "", ""
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
        if "editing" in purposes:
            if suggestion:
                raise ValidationError("Give at most one body with purpose 'editing'.")
            suggestion = body["value"]
        elif comment:
            comment = f"{comment}\n\n{body['value']}"
        else:
            comment = body["value"]
    if not comment.strip():
        raise ValidationError("The annotation has no comment: add a TextualBody with a value.")
    return comment, suggestion


def _split(url: str):
    try:
        return urlsplit(url)
    except ValueError:
        raise ValidationError(f"The URL {url[:200]!r} cannot be read.") from None


def _source_path(source) -> str:
    if not isinstance(source, str):
        raise ValidationError("The target's source must be the chapter's URL.")
    return _split(source).path


def annotation_parse(data, *, chapter_path: str) -> ParsedAnnotation:
    """Read an incoming annotation for the chapter at `chapter_path`.

    The target is the chapter (its URL as `source`, or a URL with `#p-<pid>`), with
    a FragmentSelector `p-<pid>` and/or a TextQuoteSelector; or, for a reply, the
    URL of the comment replied to."""
    if not isinstance(data, dict):
        raise ValidationError("Send one annotation as a JSON object.")
    body, suggestion = _text_bodies(data)
    targets = _as_list(data.get("target"))
    if len(targets) != 1:
        raise ValidationError("Give exactly one target: the chapter, or a comment to reply to.")
    target = targets[0]
    pid = quote = prefix = ""
    reply_to = None
    if isinstance(target, str):
        parts = _split(target)
        if parts.path == chapter_path:
            found = PID_FRAGMENT.match(parts.fragment or "")
            if not found:
                raise ValidationError("A target URL must end with #p-<pid> to name a paragraph.")
            pid = found.group(1)
        elif re.fullmatch(r"c[0-9]{1,18}", parts.fragment or ""):
            reply_to = parts.fragment[1:]
        else:
            raise ValidationError("The target is neither this chapter nor one of its comments.")
    elif isinstance(target, dict):
        if _source_path(target.get("source")) != chapter_path:
            raise ValidationError("The target's source must be this chapter's URL.")
        for selector in _as_list(target.get("selector")):
            if not isinstance(selector, dict):
                raise ValidationError("Each selector must be an object.")
            kind = selector.get("type")
            if kind == "FragmentSelector":
                found = PID_FRAGMENT.match(str(selector.get("value", "")))
                if not found:
                    raise ValidationError("A FragmentSelector's value must be p-<pid>.")
                pid = found.group(1)
            elif kind == "TextQuoteSelector":
                quote = selector.get("exact", "")
                prefix = selector.get("prefix", "")
                if not isinstance(quote, str) or not isinstance(prefix, str) or not quote:
                    raise ValidationError("A TextQuoteSelector needs a text 'exact'.")
            else:
                raise ValidationError(
                    f"Selector type {kind!r} is not supported: use FragmentSelector "
                    "and TextQuoteSelector."
                )
        if not pid and not quote:
            raise ValidationError("Say which paragraph: add a FragmentSelector with value p-<pid>.")
    else:
        raise ValidationError("The target must be a URL or an object with a source.")
    revision = data.get("wethink:revision")
    if revision is not None and (
        isinstance(revision, bool) or not isinstance(revision, int) or not 1 <= revision <= MAX_INT
    ):
        raise ValidationError("wethink:revision must be a revision number.")
    return ParsedAnnotation(body, suggestion, pid or None, quote, prefix, reply_to, revision)


def chapter_path(chapter) -> str:
    return reverse(
        "chapters:chapter_detail", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )
