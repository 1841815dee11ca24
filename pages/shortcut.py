"""A signed-in reader's chapter page, answered before Django's middleware runs.

The page is made of kept parts (`pages.signed_in`): a body per audience and a
frame per person, both under versions that every write replaces. When both are
kept and current, what is left of a request is Django's middleware stack: the
session, the user, the CSRF cookie, and headers that are the same on every such
page. This shortcut (`wethink.handler.ShortcutHandler`) answers those requests
with the same work done by the same code, and nothing else:

- the session is Django's `SessionStore`, read as `SessionMiddleware` reads it;
- the user is `accounts.usercache.verified_user`: only when the session holds
  the hash of the user's current password, as `get_user` checks it; a session
  `get_user` would rewrite or flush goes to the full stack;
- the CSRF secret is the reader's cookie, checked as `CsrfViewMiddleware` checks
  it; the masked token is `get_token`'s and the cookie is sent again as that
  middleware sends it;
- the headers (security, policy, `Vary`, `Cache-Control`, the annotation service
  `Link`) are those the full stack gave the same page of the same book on the
  same host and scheme, learned from its responses in this process (`seen`).

Anything else goes to the full stack: another method or page, a query string, an
htmx request, a messages cookie or messages in the session, a missing or
malformed CSRF cookie, a body or frame not kept for the current versions, a
policy with a nonce, or a book whose headers this process has not yet seen.
"""

from importlib import import_module

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.urls import Resolver404, resolve

from accounts.usercache import verified_user
from pages.signed_in import chapter_page
from wethink.pagecache import MESSAGES_COOKIE

VIEW = "chapters:chapter_detail"
# Set per response by the handler and the CSRF middleware, not learned.
PER_RESPONSE = {"content-length", "content-encoding"}
MESSAGES_SESSION_KEY = "_messages"
SECRET_CHARS = frozenset(CSRF_ALLOWED_CHARS)


class SignedInChapterShortcut:
    def __init__(self, *, limit: int = 1000):
        self.limit = limit
        self._headers: dict[tuple[str, str, str], list[tuple[str, str]]] = {}
        self._sessions = import_module(settings.SESSION_ENGINE).SessionStore

    def answer(self, request: HttpRequest) -> HttpResponse | None:
        meta = request.META
        if request.method != "GET" or meta.get("QUERY_STRING") or "HTTP_HX_REQUEST" in meta:
            return None
        cookies = request.COOKIES
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        secret = cookies.get(settings.CSRF_COOKIE_NAME)
        if not session_key or MESSAGES_COOKIE in cookies or not _is_secret(secret):
            return None
        if settings.SESSION_SAVE_EVERY_REQUEST or settings.CSRF_USE_SESSIONS:
            return None
        try:
            match = resolve(request.path_info)
            headers = self._headers.get((request.scheme, request.get_host(), match.kwargs["book"]))
        except (Resolver404, DisallowedHost, KeyError):
            return None
        if headers is None or match.view_name != VIEW:
            return None
        request.shortcut_tried = True
        request.resolver_match = match
        request.session = self._sessions(session_key)
        user = verified_user(request)
        if user is None or MESSAGES_SESSION_KEY in request.session:
            return None
        request.user = user
        meta["CSRF_COOKIE"] = secret
        response = chapter_page(request, build=None, **match.kwargs)
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

    def seen(self, request: HttpRequest, response: HttpResponse) -> None:
        """Learn the headers of a signed-in chapter page made from kept parts."""
        book = getattr(response, "framed_chapter", None)
        match = getattr(request, "resolver_match", None)
        if book is None or match is None or match.view_name != VIEW or response.status_code != 200:
            return
        headers = [(n, v) for n, v in response.items() if n.lower() not in PER_RESPONSE]
        if any("'nonce-" in value for _, value in headers):
            return
        if len(self._headers) >= self.limit:
            self._headers.clear()
        self._headers[(request.scheme, request.get_host(), book)] = headers


def _is_secret(value: str | None) -> bool:
    """A CSRF cookie the middleware takes as it is: an unmasked secret of the
    allowed characters (anything else it replaces, with a new cookie)."""
    return value is not None and len(value) == CSRF_SECRET_LENGTH and set(value) <= SECRET_CHARS
