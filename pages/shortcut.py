"""Signed-in pages made of kept parts, answered before Django's middleware runs.

Two pages are kept for signed-in people: the chapter page (`pages.signed_in`: a
body per audience and a frame per person) and the feedback queue
(`accounts.personcache`, per person and address), each under versions that every
write that changes it replaces. When what a page needs is kept and current, what
is left of a request is Django's middleware stack: the session, the user, the
CSRF cookie, and headers that are the same on every such page. This shortcut
(`wethink.handler.ShortcutHandler`) answers those requests with the same work
done by the same code, and nothing else:

- the view is the one the URL resolves to, and answers through its
  `kept_answer(request, **kwargs)`, from kept parts alone (or None). A kept part
  was made by the whole view, decorators included, for this person at these
  versions: what the person may see moves their version;
- the session is Django's `SessionStore`; the user is
  `accounts.usercache.verified_user`: only when the session holds the hash of the
  user's current password, as `get_user` checks it (a session `get_user` would
  rewrite or flush goes to the full stack). Both are read in one round trip with
  the page's parts, once this process has seen whose the session is;
- the CSRF secret is the reader's cookie, taken only in the form the middleware
  takes as it is; the masked token is `get_token`'s and the cookie is sent again
  as the middleware sends it;
- the headers (security, policy, `Vary`, `Cache-Control`, the annotation service
  `Link`) are those the full stack gave the same view, book, host and scheme,
  learned from its responses in this process (`seen`).

Anything else goes to the full stack: another method or view, a NUL in the query,
an htmx request, a messages cookie or messages in the session, a missing or
malformed CSRF cookie, parts not kept for the current versions, a policy with a
nonce, or a view whose headers this process has not yet seen.
"""

from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import Resolver404, ResolverMatch, get_urlconf, resolve

from accounts.usercache import person_keys, verified_user
from wethink.middleware import has_nul
from wethink.pagecache import MESSAGES_COOKIE

# Set per response by the handler and the CSRF middleware, not learned.
PER_RESPONSE = {"content-length", "content-encoding"}
MESSAGES_SESSION_KEY = "_messages"
SECRET_CHARS = frozenset(CSRF_ALLOWED_CHARS)


class SignedInChapterShortcut:
    def __init__(self, *, limit: int = 1000):
        self.limit = limit
        self._headers: dict[tuple, list[tuple[str, str]]] = {}
        # Whose each session was, as seen last in this process: a guess that lets
        # the session and that person be read in one round trip, checked against
        # the session itself.
        self._whose: dict[str, int] = {}
        # What each address resolves to (the URLconf does not change while a
        # process runs); None for none.
        self._resolved: dict[tuple, ResolverMatch | None] = {}
        self._sessions = import_module(settings.SESSION_ENGINE).SessionStore

    def answer(self, request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        if request.method != "GET" or "HTTP_HX_REQUEST" in meta:
            return None
        cookies = request.COOKIES
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        secret = cookies.get(settings.CSRF_COOKIE_NAME)
        if not session_key or MESSAGES_COOKIE in cookies or not _is_secret(secret):
            return None
        if settings.SESSION_SAVE_EVERY_REQUEST or settings.CSRF_USE_SESSIONS:
            return None
        match = self._resolve(request.path_info)
        kept_answer = match and getattr(match.func, "kept_answer", None)
        try:
            headers = kept_answer and self._headers.get(_learned_as(request, match))
        except DisallowedHost:
            return None
        if not headers or (meta.get("QUERY_STRING") and has_nul(request.GET)):
            return None
        request.shortcut_tried = True
        request.resolver_match = match
        request.session = self._sessions(session_key)
        user = verified_user(request, self._read_with_session(request, session_key))
        if user is None or MESSAGES_SESSION_KEY in request.session:
            return None
        if len(self._whose) >= self.limit * 10:
            self._whose.clear()
        self._whose[session_key] = user.pk
        request.user = user
        meta["CSRF_COOKIE"] = secret
        response = kept_answer(request, **match.kwargs)
        if response is None:
            return None
        for name, value in headers:
            response.headers[name] = value
        response.set_cookie(
            settings.CSRF_COOKIE_NAME,
            secret,
            max_age=settings.CSRF_COOKIE_AGE,
            domain=settings.CSRF_COOKIE_DOMAIN,
            path=settings.CSRF_COOKIE_PATH,
            secure=settings.CSRF_COOKIE_SECURE,
            httponly=settings.CSRF_COOKIE_HTTPONLY,
            samesite=settings.CSRF_COOKIE_SAMESITE,
        )
        return response

    def _resolve(self, path: str) -> ResolverMatch | None:
        key = (get_urlconf(), path)
        if key in self._resolved:
            return self._resolved[key]
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if len(self._resolved) >= self.limit * 10:
            self._resolved.clear()
        self._resolved[key] = match
        return match

    def _read_with_session(self, request, session_key: str):
        """The session and what `verified_user` reads for the person it was last
        seen to be, in one round trip: `(user id, found)` for that user, and the
        session loaded, when the session still names them; else None (the session
        is then read as usual)."""
        store = request.session
        whose = self._whose.get(session_key)
        if (
            whose is None
            or store.session_key is None
            or type(store) is not CachedDBStore
            or settings.SESSION_CACHE_ALIAS != DEFAULT_CACHE_ALIAS
        ):
            return None
        key = store.cache_key
        found = cache.get_many([key, *person_keys(request, whose)])
        data = found.get(key)
        if data is None:
            return None  # expired from the cache: loaded (or not) from the database
        # As `SessionStore.load()` would have read it.
        store._session_cache = data
        return (whose, found) if data.get(SESSION_KEY) == str(whose) else None

    def seen(self, request: HttpRequest, response: HttpResponse) -> None:
        """Learn the headers of a page made from kept parts by the full stack."""
        match = getattr(request, "resolver_match", None)
        if (
            not getattr(response, "kept_parts", False)
            or match is None
            or response.status_code != 200
            or not hasattr(match.func, "kept_answer")
        ):
            return
        headers = [(n, v) for n, v in response.items() if n.lower() not in PER_RESPONSE]
        if any("'nonce-" in value for _, value in headers):
            return
        if len(self._headers) >= self.limit:
            self._headers.clear()
        self._headers[_learned_as(request, match)] = headers


def _learned_as(request, match) -> tuple:
    """What a page's headers depend on besides the settings: the chapter pages'
    annotation service link names the book, with the host and scheme."""
    return (match.view_name, match.kwargs.get("book"), request.scheme, request.get_host())


def _is_secret(value: str | None) -> bool:
    """A CSRF cookie the middleware takes as it is: an unmasked secret of the
    allowed characters (anything else it replaces, with a new cookie)."""
    return value is not None and len(value) == CSRF_SECRET_LENGTH and set(value) <= SECRET_CHARS
