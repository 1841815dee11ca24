"""The CSRF token a page carries, made as `django.middleware.csrf.get_token` makes
it (the reader's secret under a fresh random mask), with the mask drawn from one
read of the system's randomness instead of one per character: on a page answered
from kept parts, Django's 32 draws cost more than the rest of the token's work."""

import os

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token

CHARS = CSRF_ALLOWED_CHARS
INDEX = {char: index for index, char in enumerate(CHARS)}
ALLOWED = frozenset(CHARS)
# Bytes at or above LIMIT are drawn again, so that every character is as likely.
LIMIT = 256 - 256 % len(CHARS)


def _mask() -> list[int]:
    drawn: list[int] = []
    while len(drawn) < CSRF_SECRET_LENGTH:
        drawn += [byte % len(CHARS) for byte in os.urandom(2 * CSRF_SECRET_LENGTH) if byte < LIMIT]
    return drawn[:CSRF_SECRET_LENGTH]


def csrf_token(request) -> str:
    """`get_token(request)`: the masked token, and the cookie sent again."""
    secret = request.META.get("CSRF_COOKIE")
    if secret is None or len(secret) != CSRF_SECRET_LENGTH or not ALLOWED.issuperset(secret):
        return get_token(request)
    request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True
    mask = _mask()
    cipher = (
        CHARS[(INDEX[char] + shift) % len(CHARS)] for char, shift in zip(secret, mask, strict=True)
    )
    return "".join(CHARS[shift] for shift in mask) + "".join(cipher)
