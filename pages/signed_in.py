"""The current chapter page for a signed-in reader: a body shared by everyone who
sees the same, inside a frame made for the person.

What the page shows between its header and footer (the blocks with their counts,
the comments on removed text, the closing notice, the neighbours, the editors'
links) depends on who looks only through two things: whether they edit the book
(editors and staff see every comment and the editors' links), and whether they
wrote comments on the chapter that others do not see (pending, hidden, spam).
So the body is kept in the shared cache for two audiences, "readers" (made as an
anonymous reader sees it) and "editors" (made for the person asking, who edits the
book), under the chapter's page versions (`wethink.pagecache.version_keys`), which
every write that changes the page replaces after commit: a stale body is never
served. A body that shows a closing date or depends on a scheduled opening is kept
no longer than that time.

A reader with comments only they see gets the page made for them, as before. That
is asked once per reader and chapter version (one query, kept under the same
versions).

The frame (`chapters/chapter_detail.html` with `frame`: the header with the
person's name, messages) is rendered with slots for the body's parts and the CSRF
token, and kept per person and chapter when nothing in it was made for one request
alone. Frame and body keep their texts with their deflate blocks, so a gzipped
answer compresses nothing per request: the token goes in a stored block between
kept blocks (`wethink.compression`).
"""

import hashlib
import re
from collections.abc import Callable
from functools import cache as cache_once
from pathlib import Path
from typing import NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.cache import cache
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.header import header_facts
from accounts.usercache import prefetched
from chapters.editors import edits_book
from comments.selectors import has_unlisted_comments
from wethink.compression import deflated, gzip_joined, stored
from wethink.csrf import csrf_token
from wethink.pagecache import (
    ACCEPTS_GZIP,
    FEEDBACK,
    MESSAGES_COOKIE,
    version_keys,
    versions_read,
)

# Part of the keys: a change of what a body holds makes every body be made again.
MARKUP = 2
# The bodies this process read last, by key: a body never changes under its key
# and versions, so one whose versions are the current ones is used without reading
# it again from the shared cache (the versions are read on every request).
_near: dict[str, dict] = {}
NEAR_LIMIT = 128
# Where the parts go in the rendered frame: NUL never reaches a page's text.
SLOT = mark_safe("\x00content\x00")
TITLE = mark_safe("\x00title\x00")
HEAD = mark_safe("\x00head\x00")
CSRF = mark_safe("\x00csrf\x00")
SLOTS = re.compile("\x00(content|title|head|csrf)\x00")
# The slots a body fills.
BODY_SLOTS = ("title", "head", "content")


@cache_once
def markup() -> str:
    """The templates and static files this process renders with: bodies made by a
    process with other templates (before a deploy) are not read."""
    digest = hashlib.sha256(str(MARKUP).encode())
    folders = [Path(folder) for folder in settings.TEMPLATES[0]["DIRS"]]
    folders += [Path(app.path) / "templates" for app in apps.get_app_configs()]
    for folder in folders:
        for path in sorted(folder.rglob("*.html")):
            digest.update(str(path).encode() + path.read_bytes())
    digest.update(str(getattr(staticfiles_storage, "manifest_hash", "")).encode())
    return digest.hexdigest()[:12]


class _Keys(NamedTuple):
    versions: list[str]
    readers: str
    editors: str
    own: str
    frame: str


def _keys(request, user_id: int, book: str, chapter: str) -> _Keys:
    """The keys of this person's page of this chapter, made once per request."""
    made = getattr(request, "_chapter_keys", None)
    if made is not None and made[0] == (user_id, book, chapter):
        return made[1]
    language, made_with = get_language(), markup()
    keys = _Keys(
        versions=version_keys("chapter", {"book": book, "chapter": chapter}),
        readers=f"rb:{made_with}:{language}:readers:{book}/{chapter}",
        editors=f"rb:{made_with}:{language}:editors:{book}/{chapter}",
        own=f"ro:{user_id}:{book}/{chapter}",
        frame=f"rf:{made_with}:{language}:{user_id}:{book}/{chapter}",
    )
    request._chapter_keys = ((user_id, book, chapter), keys)
    return keys


def chapter_page(
    request, *, book: str, chapter: str, build: Callable[..., dict] | None
) -> HttpResponse | None:
    """The chapter page for the signed-in `request.user`, or None when it must be
    made for them alone. `build(user, book, chapter)` makes the body's parts
    (`title`, `head`, `content`, `until`) as `user` sees them, or raises Http404.
    With `build` None, the page only from kept parts (a body and a frame of the
    current versions), or None: nothing is rendered (`pages.shortcut`)."""
    user = request.user
    editor = edits_book(request, book)
    made = _keys(request, user.pk, book, chapter)
    keys, own_key = made.versions, made.own
    body_key = made.editors if editor else made.readers
    near = _near.get(body_key)
    wanted = [*keys] if editor else [*keys, own_key]
    if near is None:
        wanted.append(body_key)
    found = prefetched(request, wanted)
    if found is None:
        found = cache.get_many(wanted)
    versions = tuple(found.get(key) for key in keys)
    if None in versions:
        versions = versions_read(keys)
    if not editor:
        own = found.get(own_key)
        if own is None or own[0] != versions:
            own = (versions, has_unlisted_comments(user=user, book=book, chapter=chapter))
            cache.set(own_key, own, timeout=settings.WETHINK_PAGE_CACHE_SECONDS)
        if own[1]:
            return None
    if near is not None and near["versions"] == versions:
        body = near
    else:
        body = found.get(body_key) if near is None else cache.get(body_key)
    now = timezone.now()
    if body is None or body["versions"] != versions or (body["until"] and body["until"] <= now):
        if build is None:
            return None
        body = _body_make(build(user if editor else AnonymousUser(), book, chapter), versions)
        timeout = settings.WETHINK_PAGE_CACHE_SECONDS
        if body["until"] is not None:
            timeout = min(timeout, int((body["until"] - now).total_seconds()))
        if timeout > 0:
            cache.set(body_key, body, timeout=timeout)
    if body is not near:
        if len(_near) >= NEAR_LIMIT:
            _near.clear()
        _near[body_key] = body
    return _framed(request, body, book, chapter, render=build is not None)


def prefetch_keys(request, user_id: int, kwargs: dict) -> list[str]:
    """The keys `chapter_page` reads for a reader (an editor's body is read apart),
    read with the user (`accounts.usercache`)."""
    keys = _keys(request, user_id, kwargs["book"], kwargs["chapter"])
    wanted = [*keys.versions, keys.own, keys.frame, FEEDBACK]
    if keys.readers not in _near:
        wanted.append(keys.readers)
    return wanted


def _body_make(parts: dict, versions: tuple) -> dict:
    """A body to keep: each text that fills a slot of the frame, with its deflate
    blocks (`wethink.compression`)."""
    return {
        **{slot: _kept_text(parts[slot]) for slot in BODY_SLOTS},
        "until": parts["until"],
        "versions": versions,
    }


def _kept_text(text: str) -> tuple[bytes, bytes]:
    raw = text.encode()
    return raw, deflated(raw)


def _frame(request, book: str, chapter: str, *, render: bool = True) -> list | None:
    """The page around the body as its pieces: texts (with their deflate blocks)
    and the names of the slots between them, for the body's title, head links and
    content and the CSRF token. Kept per person and chapter under the person's
    version (their name, header facts and watch state) and, for editors, the
    feedback token, unless something in it was made for this request alone
    (messages, a query string, a CSP nonce). None when it is not kept and `render`
    is False."""
    user = request.user
    version = _frame_version(request)
    keep = (
        version is not None
        and not request.META.get("QUERY_STRING")
        and MESSAGES_COOKIE not in request.COOKIES
        and "_messages" not in request.session
    )
    key = _keys(request, user.pk, book, chapter).frame
    if keep:
        found = prefetched(request, [key])
        kept = found.get(key) if found is not None else cache.get(key)
        if kept is not None and kept[0] == version:
            return kept[1]
    if not render:
        return None
    context = {"frame": {"title": TITLE, "head": HEAD, "content": SLOT}, "csrf_token": CSRF}
    text = render_to_string("chapters/chapter_detail.html", context, request)
    pieces = [
        piece if n % 2 else _kept_text(piece)
        for n, piece in enumerate(SLOTS.split(text))
        if n % 2 or piece
    ]
    if keep and not getattr(request, "_csp_nonce", None):
        cache.set(key, (version, pieces), timeout=settings.WETHINK_PAGE_CACHE_SECONDS)
    return pieces


def _frame_version(request):
    """What a kept frame must have been made at: the person's version, and for
    people who edit a book also the feedback token, since their header counts open
    feedback and comments to moderate (`comments.attention`). None: not kept."""
    version = getattr(request, "_person_version", None)
    user = request.user
    if version is None or not (user.is_staff or header_facts(request).get("edited_books")):
        return version
    found = prefetched(request, [FEEDBACK])
    token = found.get(FEEDBACK) if found is not None else cache.get(FEEDBACK)
    if token is None:
        (token,) = versions_read([FEEDBACK])
    return (version, token)


def _framed(
    request, body: dict, book: str, chapter: str, *, render: bool = True
) -> HttpResponse | None:
    frame = _frame(request, book, chapter, render=render)
    if frame is None:
        return None
    token = csrf_token(request).encode()
    fill = {**body, "csrf": (token, stored(token))}
    parts = [fill[piece] if type(piece) is str else piece for piece in frame]
    response = HttpResponse()
    patch_vary_headers(response, ["Accept-Encoding"])
    if ACCEPTS_GZIP.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        response.content = gzip_joined(parts)
        response["Content-Encoding"] = "gzip"
    else:
        response.content = b"".join(text for text, _ in parts)
    # What `pages.shortcut` learns the full stack's headers from.
    response.kept_parts = True
    return response
