"""The chapter page for anonymous readers, kept around what comments change
(`pages.anonymous`): after a comment only the counts are read and the counted part
rendered, and the page is the one made whole, byte for byte; any change of the
chapter, its book or the site, or its closing time, makes it whole again."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chapters.models import Book, Chapter
from comments.models import WHOLE_CHAPTER
from comments.services import comment_create
from pages import anonymous
from tests.factories import comment_make, quotation_removed
from wethink import pagecache

pytestmark = pytest.mark.django_db


@pytest.fixture
def url(chapter):
    return chapter.get_absolute_url()


def kept_key(url):
    """The key `pages.anonymous` keeps the test client's page of `url` under."""

    class Request:
        META = {"HTTP_HOST": "testserver", "PATH_INFO": url, "QUERY_STRING": ""}
        COOKIES = {}

    return anonymous._key(Request())


def made_whole(client, url) -> str:
    """The page as it is made without the part kept around the counts."""
    cache.delete(kept_key(url))
    return client.get(url).text


def test_after_a_comment_only_the_counts_are_read(client, url, chapter, reader, after_commit):
    client.get(url)
    assert cache.get(kept_key(url)) is not None
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="First")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "comments_comment" in queries.captured_queries[0]["sql"]
    assert "Comments on paragraph 2 (1)" in page
    assert page == made_whole(client, url)


def test_the_counted_part_is_the_one_made_whole_with_every_kind_of_count(
    client, url, chapter, reader, editor, after_commit
):
    """Counts on blocks, on the chapter as a whole and comments on removed text:
    the same page from the kept part as made whole."""
    with after_commit():
        comment_make(chapter=chapter, author=reader, position=7, body="About the quotation")
        quotation_removed(chapter, editor)
    client.get(url)
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="On the opening")
        comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="As a whole")
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    # The counts, and the list of comments on removed text.
    assert len(queries) == 2
    assert "About the quotation" in page
    assert "1 comment on the chapter as a whole" in page
    assert "Comments on paragraph 2 (1)" in page
    assert page == made_whole(client, url)


@pytest.mark.parametrize(
    "change",
    [
        lambda chapter: setattr(chapter, "title", "A new title") or chapter.save(),
        lambda chapter: (
            setattr(chapter, "comment_period", Chapter.CommentPeriod.CLOSED) or chapter.save()
        ),
        lambda chapter: setattr(chapter.book, "title", "A new book title") or chapter.book.save(),
        lambda chapter: setattr(chapter.book, "status", Book.Status.CLOSED) or chapter.book.save(),
        lambda chapter: pagecache.site_changed(),
    ],
    ids=["chapter title", "chapter closed", "book title", "book closed", "site"],
)
def test_a_change_of_the_chapter_book_or_site_makes_the_page_whole_again(
    client, url, chapter, after_commit, change
):
    client.get(url)
    with after_commit():
        change(chapter)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    assert len(queries) > 1
    assert page == made_whole(client, url)


def test_a_chapter_made_draft_is_not_served_from_the_kept_part(client, url, chapter, after_commit):
    client.get(url)
    with after_commit():
        chapter.status = Chapter.Status.DRAFT
        chapter.save()
    assert client.get(url).status_code == 404


def test_the_kept_part_lives_no_longer_than_the_closing_of_comments(
    client, url, chapter, after_commit, monkeypatch
):
    closing = timezone.now() + timedelta(seconds=30)
    with after_commit():
        chapter.comments_close_at = closing
        chapter.save()
    assert "Open for comments until" in client.get(url).text
    assert cache.get(kept_key(url))["until"] == closing
    # Once the closing time has passed, the page is made whole: it says so.
    monkeypatch.setattr(anonymous.timezone, "now", lambda: closing + timedelta(seconds=1))
    with after_commit():
        pagecache.chapter_changed(chapter)
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url).text
    assert len(queries) > 1
    assert "Comments closed on" in page


def test_pages_made_for_one_request_are_not_kept(client, url, reader):
    client.get(f"{url}?utm_source=news")
    assert cache.get(kept_key(url)) is None
    client.force_login(reader)
    client.get(url)
    assert cache.get(kept_key(url)) is None
