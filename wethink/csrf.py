"""The CSRF token a page carries, made as `django.middleware.csrf.get_token` makes
it (the reader's secret under a fresh random mask), with the mask drawn from one
read of the system's randomness instead of one per character: on a page answered
from kept parts, Django's 32 draws cost more than the rest of the token's work."""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

CHARS = CSRF_ALLOWED_CHARS
ALLOWED = frozenset(CHARS)
# Bytes at or above LIMIT are dropped, so that every character is as likely; the
# rest are read as characters in one pass.
LIMIT = 256 - 256 % len(CHARS)
AS_CHAR = bytes(ord(CHARS[byte % len(CHARS)]) for byte in range(256))
DROPPED = bytes(range(LIMIT, 256))
# (secret character, mask character): the masked character, as Django masks it.
MASKED = {
    (char, shift): CHARS[(CHARS.index(char) + CHARS.index(shift)) % len(CHARS)]
    for char in CHARS
    for shift in CHARS
}


def _mask() -> str:
    drawn = b""
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn += os.urandom(2 * CSRF_SECRET_LENGTH).translate(AS_CHAR, DROPPED)
    return drawn[:CSRF_SECRET_LENGTH].decode()


def csrf_token(request) -> str:
    """`get_token(request)`: the masked token, and the cookie sent again."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH or not ALLOWED.issuperset(secret):
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _mask()
    return mask + "".join(map(MASKED.__getitem__, zip(secret, mask, strict=True)))
