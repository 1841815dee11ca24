"""The thin layer keeps the pages it answered in its process: a kept page is sent
again while its versions are the current ones in the shared cache, and never once
one of them moved, the shared cache lost them or dropped the page, or Redis cannot
be asked."""

import io
import time

import pytest
from django.core.cache import cache

from tests.conftest import PASSED, prime
from tests.factories import comment_make
from wethink import pagecache

# Nothing listens on port 1, so every connection is refused at once.
REDIS_DOWN = {
    "default": {"BACKEND": "wethink.cache.FailSoftRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
}


@pytest.fixture
def url(chapter):
    return chapter.get_absolute_url()


@pytest.fixture
def layer():
    """One layer for the whole test, as in a worker; a miss answers PASSED."""

    def django(environ, start_response):
        start_response(PASSED, [])
        return [b""]

    return pagecache.PageCacheApp(django)


def ask(layer, path, *, method="GET", **headers):
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        **headers,
    }
    answer = {}

    def start_response(status, headers):
        answer["status"] = status
        answer["headers"] = dict(headers)

    answer["body"] = b"".join(layer(environ, start_response))
    return answer


def stored_page_dropped(url):
    """The shared cache loses the page (evicted), not its versions."""
    key = pagecache.page_key({"HTTP_HOST": "testserver", "PATH_INFO": url})
    cache.delete_many([key, f"{key}|raw", f"{key}|gzip"])


def kept(layer, client, url):
    """Stored by Django, answered once by `layer`, then dropped from the shared cache:
    what `layer` answers from now on is what it kept."""
    page = prime(client, url)
    assert ask(layer, url)["body"] == page.content
    stored_page_dropped(url)
    return page


def test_a_kept_page_is_answered_while_its_versions_stay(client, url, layer):
    page = kept(layer, client, url)
    hit = ask(layer, url)
    assert hit["status"] == "200 OK"
    assert hit["body"] == page.content
    assert hit["headers"]["ETag"] == page["ETag"]
    assert int(hit["headers"]["Content-Length"]) == len(page.content)
    # Another process keeps nothing: it finds no stored page.
    assert ask(pagecache.PageCacheApp(layer.app), url)["status"] == PASSED


def test_a_kept_page_answers_head_and_revalidation(client, url, layer):
    page = kept(layer, client, url)
    head = ask(layer, url, method="HEAD")
    assert head["status"] == "200 OK" and head["body"] == b""
    unchanged = ask(layer, url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert unchanged["status"] == "304 Not Modified"
    assert unchanged["headers"]["ETag"] == page["ETag"]
    assert "Content-Length" not in unchanged["headers"]


def test_compressed_and_plain_are_kept_apart(client, url, layer):
    page = prime(client, url)
    assert ask(layer, url)["body"] == page.content
    gzipped = ask(layer, url, HTTP_ACCEPT_ENCODING="gzip")
    assert gzipped["headers"]["Content-Encoding"] == "gzip"
    stored_page_dropped(url)
    assert ask(layer, url)["body"] == page.content
    assert "Content-Encoding" not in ask(layer, url)["headers"]
    assert ask(layer, url, HTTP_ACCEPT_ENCODING="gzip")["body"] == gzipped["body"]


@pytest.mark.parametrize(
    "move",
    [
        lambda chapter: pagecache.site_changed(),
        lambda chapter: pagecache.book_changed(chapter.book.slug),
        lambda chapter: pagecache.chapter_changed(chapter),
    ],
    ids=["site", "book", "chapter"],
)
def test_a_kept_page_is_not_answered_once_one_of_its_versions_moved(
    client, url, chapter, layer, after_commit, move
):
    kept(layer, client, url)
    with after_commit():
        move(chapter)
    assert ask(layer, url)["status"] == PASSED


def test_a_kept_thread_is_not_answered_once_reputations_moved(
    client, chapter, reader, layer, after_commit
):
    comment = comment_make(chapter=chapter, author=reader)
    thread = f"{chapter.get_absolute_url()}p/{comment.pid}/"
    kept(layer, client, thread)
    with after_commit():
        pagecache.versions_bump([pagecache.REPUTATIONS])
    assert ask(layer, thread)["status"] == PASSED


def test_after_a_comment_the_new_page_is_kept_instead(
    client, url, chapter, reader, layer, after_commit
):
    kept(layer, client, url)
    with after_commit():
        comment_make(chapter=chapter, author=reader)
    assert ask(layer, url)["status"] == PASSED
    fresh = kept(layer, client, url)
    assert "Comments on paragraph 2 (1)" in fresh.text
    assert ask(layer, url)["body"] == fresh.content


def test_a_kept_page_is_not_answered_when_the_shared_cache_lost_its_versions(client, url, layer):
    kept(layer, client, url)
    cache.clear()  # Redis restarted empty, or flushed
    assert ask(layer, url)["status"] == PASSED


def test_a_kept_page_is_not_answered_while_redis_cannot_be_asked(client, url, layer, settings):
    kept(layer, client, url)
    settings.CACHES = REDIS_DOWN
    assert ask(layer, url)["status"] == PASSED


def test_a_kept_page_lives_no_longer_than_the_stored_one(client, url, layer, settings):
    settings.WETHINK_PAGE_CACHE_SECONDS = 1
    kept(layer, client, url)
    time.sleep(1.1)
    assert ask(layer, url)["status"] == PASSED


def test_what_a_layer_keeps_is_bounded(client, chapter, layer):
    first, second = chapter.get_absolute_url(), chapter.book.get_absolute_url()
    sizes = [len(prime(client, path).content) for path in (first, second)]
    layer.memory_bytes = max(sizes) + min(sizes) - 1
    for path in (first, second):
        assert ask(layer, path)["status"] == "200 OK"
        stored_page_dropped(path)
    # The oldest went to make room for the newest.
    assert ask(layer, first)["status"] == PASSED
    assert ask(layer, second)["status"] == "200 OK"


def test_a_page_larger_than_the_bound_is_answered_but_not_kept(client, url, layer):
    layer.memory_bytes = 10
    prime(client, url)
    assert ask(layer, url)["status"] == "200 OK"
    stored_page_dropped(url)
    assert ask(layer, url)["status"] == PASSED
