import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import BookFactory, UserFactory, chapter_make

CHAPTER_TEXT = """# First steps

The opening paragraph sets the scene.

## A section

A second paragraph, with *emphasis* and a [link](https://example.org/).

- one item
- another item

> A quotation worth commenting on.

```python
print("hello")
```
"""

ROOT = Path(__file__).resolve().parent.parent
PASSED = "599 Passed to Django"


def pytest_configure(config):
    """Hash test passwords with MD5: the default hasher is slow on purpose, tests need not be."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_collection_modifyitems(config, items):
    """The browser tests run last: once Chromium is up, Playwright's event loop runs
    in the test thread until the end of the run (tests/browser/conftest.py)."""
    items.sort(key=lambda item: "browser" in item.keywords)


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache; user ids repeat between tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path_factory):
    """Exports and uploads (jobs/) are written to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(db):
    return UserFactory(username="ed")


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """Writes as in production: what runs after commit (the page cache's versions
    moving, kept parts built) runs when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def reader(db):
    return UserFactory(username="rea")


@pytest.fixture
def staff(db):
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def book(db, editor):
    return BookFactory(slug="open-book", title="Open Book", editors=[editor])


@pytest.fixture
def chapter(book, editor):
    return chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps", editor=editor)


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """manage.py in a fresh process, its settings read from `env` instead of the test run's."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def thin(path, *, method="GET", query="", cookie="", **headers):
    """A request to the WSGI layer in front of Django; a miss comes back as PASSED."""
    from wethink import pagecache

    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "HTTP_COOKIE": cookie,
        **headers,
    }
    answer = {}

    def django(environ, start_response):
        start_response(PASSED, [])
        return [b""]

    def start_response(status, headers):
        answer["status"] = status
        answer["headers"] = dict(headers)

    answer["body"] = b"".join(pagecache.PageCacheApp(django)(environ, start_response))
    return answer


def prime(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert thin(url)["status"] == "200 OK"
    return response
