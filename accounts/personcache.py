"""Pages made for one signed-in person, kept for them in the shared cache.

`kept_for_person(*keys)` keeps a view's 200 answer to a GET per person, language
and address, beside the versions it was made at: the person's version
(`accounts.usercache`: their name, the books they edit, their header) and the
page-cache versions in `keys` (`wethink.pagecache`), which the writes that change
the page replace after they commit. A kept answer whose versions are no longer the
current ones is never sent, so the person never sees a page older than a write
that has returned.

The CSRF token is the one thing in such a page made for each request: the page
is rendered with a slot in its place (the `csrf_slot` context processor) and the
slot is filled with a fresh token for every answer. The pieces between the slots
are kept compressed too, so a gzipped answer compresses nothing: the token goes
in stored blocks (`wethink.compression.gzip_slotted`). A page that shows a message,
uses a CSP nonce or sets a cookie is not kept. The feedback queue uses this
(keys: the feedback, the site and reputations): an editor going through it pages,
filters and comes back without the queue being counted and rendered again. The
kept page and its versions are read in the same round trip as the signed-in user
(`prefetch_keys`, read by `accounts.usercache`).
"""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from accounts.usercache import prefetched
from wethink.compression import deflated, gzip_slotted
from wethink.csrf import csrf_token
from wethink.pagecache import ACCEPTS_GZIP, MESSAGES_COOKIE, _private, versions_read

# Where the token goes in a kept page: NUL never reaches a page's text.
SLOT = "\x00csrf\x00"
SLOT_SAFE = mark_safe("\x00csrf\x00")


def csrf_slot(request) -> dict:
    """Context processor: the token's slot in place of `csrf_token` while a page to
    be kept is rendered (it runs after Django's own `csrf` processor)."""
    if getattr(request, "_csrf_slot", False):
        return {"csrf_token": SLOT_SAFE}
    return {}


def _keepable(request) -> bool:
    return (
        request.method == "GET"
        and request.user.is_authenticated
        and getattr(request, "_person_version", None) is not None
        and MESSAGES_COOKIE not in request.COOKIES
        and "_messages" not in request.session
    )


def _key(request, view, user_id) -> str:
    address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    name = f"{view.__module__}.{view.__qualname__}"
    return f"kp:{name}:{get_language()}:{user_id}:{address}"


def _kept(content: bytes, content_type: str) -> tuple:
    """What is kept of a page: its pieces between the token's slots, also as deflate
    blocks, so an answer compresses nothing (`wethink.compression`)."""
    pieces = content.split(SLOT.encode())
    return pieces, [deflated(piece) for piece in pieces], content_type


def _filled(request, pieces: list, pieces_deflated: list, content_type: str) -> HttpResponse:
    """The kept page with a fresh CSRF token in its slots, gzipped for who accepts it."""
    token = csrf_token(request).encode()
    response = HttpResponse(content_type=content_type)
    patch_vary_headers(response, ["Accept-Encoding"])
    if ACCEPTS_GZIP.search(request.headers.get("accept-encoding", "")):
        response.content = gzip_slotted(pieces, pieces_deflated, token)
        response["Content-Encoding"] = "gzip"
    else:
        response.content = token.join(pieces)
    _private(response)
    # What `pages.shortcut` learns the full stack's headers from.
    response.kept_parts = True
    return response


def kept_for_person(*keys: str):
    """Keep the view's answers per person (see the module docstring). The view gets
    `kept_answer(request, *args, **kwargs)`: the kept answer, or None when there is
    none of the current versions (`pages.shortcut`)."""

    def decorator(view):
        def lookup(request):
            """The key, the versions now, and the kept entry (None if absent)."""
            key = _key(request, view, request.user.pk)
            wanted = [key, *keys]
            found = prefetched(request, wanted)
            if found is None:
                found = cache.get_many(wanted)
            tokens = tuple(found.get(name) for name in keys)
            if None in tokens:
                tokens = versions_read(list(keys))
            return key, (request._person_version, tokens), found.get(key)

        def kept_answer(request, *args, **kwargs) -> HttpResponse | None:
            if not _keepable(request):
                return None
            _, versions, kept = lookup(request)
            if kept is None or kept[0] != versions:
                return None
            return _filled(request, *kept[1])

        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not _keepable(request):
                return view(request, *args, **kwargs)
            key, versions, kept = lookup(request)
            if kept is not None and kept[0] == versions:
                return _filled(request, *kept[1])
            request._csrf_slot = True
            try:
                response = view(request, *args, **kwargs)
            finally:
                request._csrf_slot = False
            if response.streaming:
                return response
            content = response.content
            if (
                response.status_code == 200
                and not response.cookies
                and not getattr(request, "_csp_nonce", None)
                and "_messages" not in request.session
            ):
                kept = _kept(content, response["Content-Type"])
                cache.set(key, (versions, kept), timeout=settings.WETHINK_PAGE_CACHE_SECONDS)
                return _filled(request, *kept)
            response.content = content.replace(SLOT.encode(), csrf_token(request).encode())
            _private(response)
            return response

        def prefetch_keys(request, user_id, kwargs) -> list[str]:
            # Read with the user, in the same round trip (`accounts.usercache`).
            return [_key(request, view, user_id), *keys]

        wrapped.prefetch_keys = prefetch_keys
        wrapped.kept_answer = kept_answer
        return wrapped

    return decorator
