"""Whole pages for readers who are not signed in, kept in the shared cache.

A reading page (a chapter, an old revision, a book's contents, a chapter's history,
a diff, a paragraph's thread) that an anonymous
reader was given is stored with its final headers, under its address (scheme,
host, path) and with the *versions* it was made from. A version is a random token
in the shared cache, one for the whole site, one per book and one per chapter;
every write that changes what such a page shows replaces the token after its
transaction commits (`chapter_changed`, `book_changed` and the model signals at the
end of this module). A stored page whose versions are no longer the current ones is
never served, so a reader never sees a count older than a write that has returned.

Stored pages are answered by `PageCacheApp`, a WSGI layer in front of Django (see
`wethink/wsgi.py`): only GET and HEAD requests without a query string and without a
session or messages cookie are looked up there; everything else, and every miss,
goes through Django. Pages are stored by `PageCacheMiddleware` on the way out of
Django, and only when nothing in them belongs to one person: no signed-in user, no
cookie set, no message shown, no CSRF token or CSP nonce used.

Feeds, recent changes and a chapter's passages are not stored but answer
conditional requests from their versions alone, before the view runs
(`conditional_page`); a stored page answers them from its entry, without running
the view.

When Redis is unreachable, a version cannot be replaced; the process remembers it
and replaces the site-wide version once Redis answers again, so pages stored
before the outage are dropped.
"""

import gzip
import hashlib
import re
import secrets
import threading
import time
from functools import wraps
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.http import parse_etags
from django.utils.text import compress_string

from wethink.cache import RedisWire, stored_value

SITE = "pv:site"
# What editors are shown waiting for them (comments.attention): moved by every
# comment write, with the chapter's version.
FEEDBACK = "pv:feedback"
ACCEPTS_GZIP = re.compile(r"\bgzip\b")
# Headers that belong to one response, not to the stored page.
UNSTORED = {"content-length", "content-encoding", "set-cookie", "date"}
# Cookies that mark a request as someone's: it goes through Django.
MESSAGES_COOKIE = "messages"

_missed = threading.Event()


def _book_key(book_slug: str) -> str:
    return f"pv:b:{book_slug}"


def _chapter_key(book_slug: str, chapter_slug: str) -> str:
    return f"pv:c:{book_slug}/{chapter_slug}"


def _book_comments_key(book_slug: str) -> str:
    return f"pv:bc:{book_slug}"


def _discussion_key(book_slug: str) -> str:
    """Comments on the book as a whole: their page and the contents' count of them."""
    return f"pv:d:{book_slug}"


# Reputations (shown beside authors in threads) count an author's votes and
# decisions in every book: one version for the site, moved by what changes them.
REPUTATIONS = "pv:rep"


def version_keys(scope: str, kwargs: dict) -> list[str]:
    """The version keys a page depends on, from its URL's `book` and `chapter`.

    Slugs rather than ids, so the versions are read before any database query:
    whatever the page then shows was read after them."""
    book = kwargs["book"]
    if scope == "book":
        return [SITE, _book_key(book), _discussion_key(book)]
    if scope == "discussion":
        return [SITE, _book_key(book), _discussion_key(book), REPUTATIONS]
    if scope == "book_comments":
        return [SITE, _book_key(book), _book_comments_key(book)]
    if scope == "chapter":
        return [SITE, _book_key(book), _chapter_key(book, kwargs["chapter"])]
    if scope == "chapter_text":
        # A chapter page without what comments change (`pages.anonymous`): every
        # save of a chapter or of its book moves the book's version.
        return [SITE, _book_key(book)]
    if scope == "thread":
        return [SITE, _book_key(book), _chapter_key(book, kwargs["chapter"]), REPUTATIONS]
    raise ValueError(f"Unknown page scope {scope!r}.")


def _token() -> str:
    return secrets.token_hex(8)


def _repair() -> None:
    """After an outage in which a version could not be replaced, drop every page."""
    if _missed.is_set() and not getattr(cache, "is_down", False):
        _missed.clear()
        cache.set(SITE, _token(), timeout=None)
        if getattr(cache, "is_down", False):
            _missed.set()


def versions_read(keys: list[str]) -> tuple[str, ...]:
    """The current token of each key, creating the missing ones. A key that was
    evicted comes back with a new random token, so no older page matches it."""
    _repair()
    found = cache.get_many(keys)
    for key in keys:
        if key not in found:
            cache.add(key, _token(), timeout=None)
            found[key] = cache.get(key) or _token()
    return tuple(found[key] for key in keys)


def _bump_now(keys: list[str]) -> None:
    cache.set_many({key: _token() for key in keys}, timeout=None)
    if getattr(cache, "is_down", False):
        _missed.set()


def versions_bump(keys: list[str]) -> None:
    """Replace the tokens once the current transaction commits (at once outside
    one): a reader who reads the new token reads the committed data after it."""
    transaction.on_commit(lambda: _bump_now(keys), robust=True)


def chapter_changed(chapter) -> None:
    """What a chapter's pages show changed: its comments or their state."""
    book = chapter.book.slug
    versions_bump([_chapter_key(book, chapter.slug), _book_comments_key(book), FEEDBACK])


def discussion_changed(book) -> None:
    """What the book's discussion (comments on the book as a whole) shows changed."""
    versions_bump([_discussion_key(book.slug), _book_comments_key(book.slug), FEEDBACK])


def places_changed(*, chapters=(), discussions=()) -> None:
    """`chapter_changed` and `discussion_changed` for writes that touch several at
    once (a queryset update, a bulk insert): `chapters` as (book slug, chapter slug)
    pairs, `discussions` as book slugs. These writes (votes, decisions, folds,
    moderation) may change reputations too. The apps read the slugs from their ids
    (`chapters.caching`, `comments.caching`)."""
    keys = set()
    for book, chapter in chapters:
        keys |= {_chapter_key(book, chapter), _book_comments_key(book)}
    for book in discussions:
        keys |= {_discussion_key(book), _book_comments_key(book)}
    if keys:
        versions_bump([*sorted(keys), REPUTATIONS, FEEDBACK])


def book_changed(book_slug: str) -> None:
    """What every page of a book may show changed: a chapter's text, title, place or
    settings (its neighbours' pages and the contents show them), or the book's own.
    The feedback queue shows where comments stand against the text and under which
    chapter titles, so its version moves too."""
    versions_bump([_book_key(book_slug), FEEDBACK])


def site_changed() -> None:
    versions_bump([SITE])


# --- Conditional GET and Cache-Control --------------------------------------


def _public(response) -> None:
    seconds = settings.WETHINK_PROXY_CACHE_SECONDS
    patch_cache_control(response, public=True, max_age=0, s_maxage=seconds)
    patch_vary_headers(response, ["Cookie"])


def _private(response) -> None:
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])


def _anonymous_get(request) -> bool:
    return request.method in {"GET", "HEAD"} and not request.user.is_authenticated


def cached_page(scope: str):
    """A page anonymous readers get from the shared cache (see the module docstring).

    The view may set `response.page_cache_until` (a datetime) when what it shows
    changes at a known time, such as a closing date for comments."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _anonymous_get(request):
                response = view(request, *args, **kwargs)
                _private(response)
                return response
            keys = version_keys(scope, kwargs)
            versions = versions_read(keys)
            request._page_versions = dict(zip(keys, versions, strict=True))
            unchanged = _revalidated(request, keys, versions)
            if unchanged is not None:
                return unchanged
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                _public(response)
                if not request.META.get("QUERY_STRING"):
                    response.page_cache = (keys, versions)
            return response

        return wrapped

    return decorator


def page_versions(request, keys: list[str]) -> tuple[str, ...]:
    """The tokens of `keys` as `cached_page` read them for this request, before its
    view ran (so whatever the view then reads is at least as new); read now for
    keys it did not read."""
    read = getattr(request, "_page_versions", {})
    if all(key in read for key in keys):
        return tuple(read[key] for key in keys)
    return versions_read(keys)


def _revalidated(request, keys: list[str], versions: tuple[str, ...]):
    """A 304 from the stored page, without running the view, when the reader's copy
    is the stored one and its versions are current: what `PageCacheApp` answers,
    for a request that reaches Django (a test client, a deployment without the
    layer)."""
    wanted = request.META.get("HTTP_IF_NONE_MATCH")
    key = page_key(request.META) if wanted and not request.META.get("QUERY_STRING") else None
    entry = cache.get(key) if key is not None else None
    if (
        entry is None
        or entry["keys"] != keys
        or entry["versions"] != versions
        or not _matches(wanted, entry["etag"])
    ):
        return None
    unchanged = HttpResponseNotModified()
    kept = {"cache-control", "etag", "vary", "expires", "content-location"}
    for name, value in entry["headers"]:
        if name.lower() in kept:
            unchanged[name] = value
    unchanged["ETag"] = entry["etag"]
    return unchanged


def _etag(request, versions: tuple[str, ...]) -> str:
    # Keyed with the secret: an ETag cannot be guessed for a page never seen.
    page = f"{request.get_full_path()}|{'|'.join(versions)}"
    digest = salted_hmac("pagecache.etag", page, algorithm="sha256").hexdigest()
    return f'W/"{digest[:32]}"'


def conditional_page(scope: str, *, horizon=None):
    """ETag from the page's versions for anonymous readers: a revalidation that
    matches is a 304 before the view runs. Signed-in pages are private.

    `horizon(kwargs)`, when given, names what the clock alone changes on the page
    (say, how many of a book's scheduled chapters have opened); it is part of the
    ETag, so a copy made before a chapter opened is not revalidated after."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _anonymous_get(request):
                response = view(request, *args, **kwargs)
                _private(response)
                return response
            versions = versions_read(version_keys(scope, kwargs))
            if horizon is not None:
                versions = (*versions, str(horizon(kwargs)))
            etag = _etag(request, versions)
            unchanged = get_conditional_response(request, etag=etag)
            if unchanged is not None:
                _public(unchanged)
                unchanged["ETag"] = etag
                return unchanged
            response = view(request, *args, **kwargs)
            if response.status_code == 200:
                response["ETag"] = etag
                _public(response)
            return response

        return wrapped

    return decorator


# --- Storing and serving whole pages ------------------------------------------


def page_key(environ) -> str | None:
    """The stored page's key for a request: scheme, host and path as the client
    sent them, so a request Django would refuse (an unknown host, plain HTTP under
    SECURE_SSL_REDIRECT) never matches a page stored from one it accepted."""
    scheme = environ.get("wsgi.url_scheme", "http")
    if settings.SECURE_PROXY_SSL_HEADER:
        header, secure = settings.SECURE_PROXY_SSL_HEADER
        sent = environ.get(header)
        if sent is not None:
            scheme = "https" if sent.split(",", 1)[0].strip() == secure else "http"
    # As Django reads it (HttpRequest._get_raw_host); forwarded hosts are not trusted.
    host = environ.get("HTTP_HOST")
    if not host:
        host = environ.get("SERVER_NAME", "")
        port = str(environ.get("SERVER_PORT", ""))
        if port and port != ("443" if scheme == "https" else "80"):
            host = f"{host}:{port}"
    if not host:
        return None
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    # An htmx request is given a part of the page (a thread without the page
    # around it): its own entry, as django-htmx tells the two apart.
    part = "|hx" if environ.get("HTTP_HX_REQUEST") == "true" else ""
    return f"pg:{scheme}://{host.lower()}{path}{part}"


def _someones(environ) -> bool:
    cookies = environ.get("HTTP_COOKIE", "")
    return f"{settings.SESSION_COOKIE_NAME}=" in cookies or f"{MESSAGES_COOKIE}=" in cookies


def made_for_no_one(request) -> bool:
    """Nothing made for the request belongs to the person who asked: no signed-in
    user, no CSP nonce or CSRF token used, no message shown."""
    storage = getattr(request, "_messages", None)
    return (
        not request.user.is_authenticated
        and not getattr(request, "_csp_nonce", None)
        and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
        and not (storage is not None and (storage.used or storage._queued_messages))
    )


def _storable(request, response, raw: bytes) -> bool:
    """Nothing in the response (`raw`, its body uncompressed) may belong to the
    person who asked."""
    return (
        not response.cookies
        and made_for_no_one(request)
        and b"csrfmiddlewaretoken" not in raw
        and b"X-CSRFToken" not in raw
    )


class PageCacheMiddleware:
    """Stores the pages `cached_page` marked, with the headers every other
    middleware added, and answers their conditional requests from the body's hash.
    First in `MIDDLEWARE`, so what it stores is what was sent."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        marked = getattr(response, "page_cache", None)
        if marked is None or response.status_code != 200 or response.streaming:
            return response
        raw = gzipped = response.content
        if response.get("Content-Encoding") == "gzip":
            raw = gzip.decompress(gzipped)
        else:
            gzipped = None
        if not _storable(request, response, raw):
            return response
        keys, versions = marked
        etag = f'W/"{hashlib.md5(raw, usedforsecurity=False).hexdigest()}"'
        response["ETag"] = etag
        key = page_key(request.META)
        if key is not None and request.method == "GET":
            self._store(key, response, (raw, gzipped), etag, keys, versions)
        unchanged = get_conditional_response(request, etag=etag, response=response)
        return unchanged if unchanged is not None else response

    def _store(self, key, response, bodies, etag, keys, versions) -> None:
        """`bodies`: the page, and the gzip GZipMiddleware made of it (None when the
        client did not ask for one)."""
        raw, gzipped = bodies
        timeout = settings.WETHINK_PAGE_CACHE_SECONDS
        until = getattr(response, "page_cache_until", None)
        if until is not None:
            timeout = min(timeout, int((until - timezone.now()).total_seconds()))
        if timeout <= 0:
            return
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in UNSTORED and name.lower() != "vary"
        ]
        vary = [name.strip() for name in response.get("Vary", "").split(",") if name.strip()]
        if "accept-encoding" not in {name.lower() for name in vary}:
            vary.append("Accept-Encoding")
        headers.append(("Vary", ", ".join(vary)))
        entry = {
            "keys": keys,
            "versions": versions,
            "headers": headers,
            "etag": etag,
            # When the shared cache drops it: a process keeping it drops it then too.
            "expires": time.time() + timeout,
        }
        # The bodies apart, so a hit reads only the one it sends; written in one
        # MSET, so a page's headers and bodies never come from two different stores.
        cache.set_many(
            {
                key: entry,
                f"{key}|raw": raw,
                # Randomly padded as Django's GZipMiddleware does; the page holds no secret.
                f"{key}|gzip": gzipped or compress_string(raw, max_random_bytes=100),
            },
            timeout=timeout,
        )


STORED_PATH = re.compile(
    r"^/b/(?P<book>[-\w]+)/(?:(?P<chapter>[-\w]+)/"
    r"(?:r\d+/|history/|diff/\d+/\d+/|(?P<thread>p/[-\w]+/))?)?$"
)


def path_version_keys(path: str) -> list[str] | None:
    """The version keys of a stored page, from its path alone, so the page and its
    versions are read from the cache in one round trip."""
    found = STORED_PATH.match(path)
    if found is None:
        return None
    if found["chapter"] is None:
        return version_keys("book", found.groupdict())
    if found["chapter"] == "discussion" and found["thread"] is None:
        return version_keys("discussion", found.groupdict())
    if found["thread"] is not None:
        return version_keys("thread", found.groupdict())
    return version_keys("chapter", found.groupdict())


# Headers a 304 repeats from the stored page.
NOT_MODIFIED_HEADERS = {"cache-control", "etag", "vary", "expires", "content-location"}


class _Kept(NamedTuple):
    """A stored page as one process keeps it: ready to send, with the versions it
    was stored under (`stored`: as Redis holds them, when read so) and when the
    shared cache drops it."""

    versions: tuple
    stored: list | None
    headers: list
    not_modified: list
    body: bytes
    etag: str
    expires: float


class _Wire:
    """The thin layer's `RedisWire` to the default cache's server, made when first
    asked, with the cache keys of each set of names worked out once. In one process
    a hit on a kept page takes 9 us of CPU this way, 16 us through the cache's
    client (`get_many_trusted`). `mget` answers None when the wire cannot be used,
    and the caller reads through the cache."""

    def __init__(self):
        self._wire: RedisWire | None = None
        self._configured = False
        self._keys: dict[tuple[str, ...], tuple[str, ...]] = {}

    def _made(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if len(self._keys) > 10_000:
            self._keys.clear()
        made = self._keys[names] = tuple(cache.make_key(name) for name in names)
        return made

    def reset(self) -> None:
        """Read the cache's settings again at the next call."""
        if self._wire is not None:
            self._wire.close()
        self.__init__()

    def mget(self, names: tuple[str, ...]) -> list | None:
        """What Redis holds under the cache keys `names` (None for a missing one)."""
        if not self._configured:
            self._wire = RedisWire.for_cache(settings.CACHES["default"])
            self._configured = True
        if self._wire is None:
            return None
        return self._wire.mget(self._keys.get(names) or self._made(names))


# One per process, whatever the number of layers: a connection per thread.
_wire = _Wire()


@receiver(setting_changed)
def _caches_changed(*, setting, **kwargs) -> None:
    # Tests point the cache elsewhere; the wire follows.
    if setting == "CACHES":
        _wire.reset()


class PageCacheApp:
    """The thin WSGI layer: answers stored pages to anonymous GET and HEAD requests
    before Django's request handling runs; passes everything else to `app`.

    Each process also keeps the pages it has answered (up to `memory_bytes` of
    bodies) beside the versions they were stored under. A hit then reads only the
    page's versions from the shared cache, a few bytes in one round trip, and sends
    the kept page when they are still the same; when one has moved, the page is read
    again from the shared cache, or made by Django. A kept page is dropped when the
    shared cache drops it (its `expires`), so it never outlives the stored one."""

    def __init__(self, app, *, memory_bytes: int = 32 * 2**20):
        self.app = app
        self.memory_bytes = memory_bytes
        self._kept: dict[str, _Kept] = {}
        self._kept_bytes = 0
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") not in {"GET", "HEAD"} or environ.get("QUERY_STRING"):
            return self.app(environ, start_response)
        keys = None if _someones(environ) else path_version_keys(environ.get("PATH_INFO", ""))
        key = page_key(environ) if keys else None
        if key is None:
            return self.app(environ, start_response)
        _repair()
        gzipped = bool(ACCEPTS_GZIP.search(environ.get("HTTP_ACCEPT_ENCODING", "")))
        body_key = f"{key}|gzip" if gzipped else f"{key}|raw"
        page = self._kept.get(body_key)
        if page is None or page.expires <= time.time() or not self._current(page, keys):
            page = self._read(key, body_key, keys, gzipped)
            if page is None:
                return self.app(environ, start_response)
        wanted = environ.get("HTTP_IF_NONE_MATCH")
        if wanted and _matches(wanted, page.etag):
            start_response("304 Not Modified", list(page.not_modified))
            return []
        start_response("200 OK", list(page.headers))
        return [] if environ["REQUEST_METHOD"] == "HEAD" else [page.body]

    def _current(self, page: _Kept, keys: list[str]) -> bool:
        """Whether the kept page's versions are the current ones."""
        if page.stored is not None:
            stored = _wire.mget(tuple(keys))
            if stored is not None:
                return stored == page.stored
        found = _read_many(keys)
        return tuple(found.get(name) for name in keys) == page.versions

    def _read(self, key, body_key, keys, gzipped) -> _Kept | None:
        """The stored page from the shared cache, read in the same round trip as its
        versions, and kept in this process; None when it is missing or stale."""
        names = (key, body_key, *keys)
        stored = _wire.mget(names)
        if stored is not None:
            found = {
                n: stored_value(v) for n, v in zip(names, stored, strict=True) if v is not None
            }
            stored = stored[2:]
        else:
            found = _read_many(list(names))
        entry = found.get(key)
        body = found.get(body_key)
        current = tuple(found.get(name) for name in keys)
        if entry is None or body is None or entry["keys"] != keys or entry["versions"] != current:
            return None
        headers = list(entry["headers"])
        if gzipped:
            headers.append(("Content-Encoding", "gzip"))
        headers.append(("Content-Length", str(len(body))))
        page = _Kept(
            versions=current,
            stored=stored,
            headers=headers,
            not_modified=[(n, v) for n, v in entry["headers"] if n.lower() in NOT_MODIFIED_HEADERS],
            body=body,
            etag=entry["etag"],
            # An entry stored before `expires` was written is answered, not kept.
            expires=entry.get("expires", 0.0),
        )
        if page.expires > time.time():
            self._keep(body_key, page)
        return page

    def _keep(self, body_key: str, page: _Kept) -> None:
        if len(page.body) > self.memory_bytes:
            return
        with self._lock:
            before = self._kept.pop(body_key, None)
            if before is not None:
                self._kept_bytes -= len(before.body)
            # The oldest kept go first; a page read again is kept again at the end.
            while self._kept and self._kept_bytes + len(page.body) > self.memory_bytes:
                self._kept_bytes -= len(self._kept.pop(next(iter(self._kept))).body)
            self._kept[body_key] = page
            self._kept_bytes += len(page.body)


def _read_many(names: list[str]) -> dict:
    return getattr(cache, "get_many_trusted", cache.get_many)(names)


def _matches(header: str, etag: str) -> bool:
    wanted = parse_etags(header)
    return "*" in wanted or etag.removeprefix("W/") in {tag.removeprefix("W/") for tag in wanted}
