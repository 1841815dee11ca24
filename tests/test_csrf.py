"""The CSRF token of pages made from kept parts (`wethink.csrf`) is Django's: the
reader's secret under a fresh, uniformly drawn mask, accepted by the middleware."""

import re
from collections import Counter

from django.middleware.csrf import (
    CSRF_ALLOWED_CHARS,
    CSRF_TOKEN_LENGTH,
    _unmask_cipher_token,
)
from django.test import Client, RequestFactory

from wethink.csrf import csrf_token

SECRET = "Zz09" * 8


def request_with(secret):
    request = RequestFactory().get("/")
    if secret is not None:
        request.META["CSRF_COOKIE"] = secret
    return request


def test_the_token_is_the_secret_under_a_new_mask():
    request = request_with(SECRET)
    tokens = {csrf_token(request) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == CSRF_TOKEN_LENGTH and set(token) <= set(CSRF_ALLOWED_CHARS)
        assert _unmask_cipher_token(token) == SECRET
    assert request.META["CSRF_COOKIE_NEEDS_UPDATE"] is True


def test_every_mask_character_is_as_likely():
    request = request_with(SECRET)
    counts = Counter(char for _ in range(2000) for char in csrf_token(request)[:32])
    expected = 2000 * 32 / len(CSRF_ALLOWED_CHARS)
    assert set(counts) == set(CSRF_ALLOWED_CHARS)
    assert all(0.8 * expected < n < 1.2 * expected for n in counts.values()), counts


def test_without_a_secret_django_makes_one():
    request = request_with(None)
    token = csrf_token(request)
    assert _unmask_cipher_token(token) == request.META["CSRF_COOKIE"]
    assert len(request.META["CSRF_COOKIE"]) == 32


def test_the_middleware_accepts_the_token_of_a_kept_page(chapter, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    client.cookies["csrftoken"] = SECRET
    for _ in range(2):  # the second answer is made of kept parts
        page = client.get(chapter.get_absolute_url())
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page.content)[1].decode()
    assert _unmask_cipher_token(token) == SECRET
    refused = client.post("/accounts/logout/", {"csrfmiddlewaretoken": "x" * 64})
    assert refused.status_code == 403
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
