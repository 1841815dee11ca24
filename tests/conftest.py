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


def pytest_configure(config):
    """Hash test passwords with MD5: the default hasher is slow on purpose, tests need not be."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
