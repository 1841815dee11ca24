"""Chapters released on a schedule: a draft to readers until their time, public from
the second it comes (pages stored in the cache do not outlive it), announced once."""

import io
import threading
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from chapters.models import Chapter
from chapters.opening import chapters_open_due
from chapters.signals import chapter_opened
from comments.models import Comment
from tests.conftest import CHAPTER_TEXT
from tests.factories import chapter_make, comment_make
from wethink import pagecache

LATER = """# Later

A chapter that opens next week.
"""


@pytest.fixture
def scheduled(book, chapter, editor):
    return chapter_make(
        book=book,
        text=LATER,
        slug="later",
        editor=editor,
        opens_at=timezone.now() + timedelta(days=7),
    )


def open_now(chapter):
    """The clock reaches the opening time (moved back rather than waited for)."""
    Chapter.objects.filter(pk=chapter.pk).update(opens_at=timezone.now() - timedelta(seconds=1))
    cache.clear()


@pytest.fixture
def announced():
    heard = []

    def receiver(sender, chapter, **kwargs):
        heard.append(chapter.pk)

    chapter_opened.connect(receiver, dispatch_uid="test-announced")
    yield heard
    chapter_opened.disconnect(dispatch_uid="test-announced")


def test_a_scheduled_chapter_is_a_draft_to_readers_until_it_opens(client, reader, scheduled):
    url = scheduled.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(reader)
    assert client.get(url).status_code == 404
    contents = client.get(scheduled.book.get_absolute_url()).text
    assert "Later" not in contents
    open_now(scheduled)
    assert client.get(url).status_code == 200
    assert "Later" in client.get(scheduled.book.get_absolute_url()).text
    client.logout()
    assert client.get(url).status_code == 200


def test_editors_read_it_before_and_the_contents_say_when_it_opens(client, editor, scheduled):
    client.force_login(editor)
    assert client.get(scheduled.get_absolute_url()).status_code == 200
    contents = client.get(scheduled.book.get_absolute_url()).text
    assert "Later" in contents
    assert "editors only until then" in contents


def test_comments_on_a_scheduled_chapter_stay_hidden_until_it_opens(
    client, reader, editor, scheduled
):
    comment_make(chapter=scheduled, author=editor, body="An editor's early note.")
    visible = Comment.objects.visible_to(reader, book=scheduled.book)
    assert not visible.filter(chapter=scheduled).exists()
    assert "early note" not in client.get(f"/b/{scheduled.book.slug}/feed/").text
    open_now(scheduled)
    assert visible.filter(chapter=scheduled).exists()
    assert "early note" in client.get(f"/b/{scheduled.book.slug}/feed/").text


def test_the_book_list_and_exports_leave_it_out(client, scheduled):
    from chapters.exporting import book_chapters_for_export

    assert "Later" not in client.get("/").text
    assert scheduled not in book_chapters_for_export(scheduled.book)
    open_now(scheduled)
    assert [c.slug for c in book_chapters_for_export(scheduled.book)] == ["first-steps", "later"]


def test_pages_of_a_book_with_a_scheduled_chapter_are_still_stored(
    client, chapter, scheduled, monkeypatch
):
    kept = {}
    store = cache.set_many

    def spy(data, timeout=None, **kwargs):
        kept.update(dict.fromkeys(data, timeout))
        return store(data, timeout, **kwargs)

    monkeypatch.setattr(cache, "set_many", spy)
    for url in (chapter.get_absolute_url(), chapter.book.get_absolute_url()):
        assert client.get(url).status_code == 200
        key = pagecache.page_key({"HTTP_HOST": "testserver", "PATH_INFO": url})
        assert 0 < kept[key] <= 7 * 24 * 3600


def test_a_page_is_stored_no_longer_than_the_opening(client, chapter, book, editor, monkeypatch):
    chapter_make(
        book=book,
        text=LATER,
        slug="soon",
        editor=editor,
        opens_at=timezone.now() + timedelta(seconds=30),
    )
    kept = {}
    store = cache.set_many

    def spy(data, timeout=None, **kwargs):
        kept.update(dict.fromkeys(data, timeout))
        return store(data, timeout, **kwargs)

    monkeypatch.setattr(cache, "set_many", spy)
    url = chapter.get_absolute_url()
    assert client.get(url).status_code == 200
    assert 0 < kept[pagecache.page_key({"HTTP_HOST": "testserver", "PATH_INFO": url})] <= 30


def test_a_feed_is_not_revalidated_across_an_opening(client, scheduled):
    url = f"/b/{scheduled.book.slug}/feed/"
    first = client.get(url)
    etag = first["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    Chapter.objects.filter(pk=scheduled.pk).update(opens_at=timezone.now() - timedelta(seconds=1))
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_an_opening_is_announced_once(scheduled, announced):
    assert chapters_open_due() == []
    open_now(scheduled)
    assert [c.pk for c in chapters_open_due()] == [scheduled.pk]
    assert chapters_open_due() == []
    out = io.StringIO()
    call_command("open_chapters", stdout=out)
    assert "No chapter was due" in out.getvalue()
    assert announced == [scheduled.pk]
    scheduled.refresh_from_db()
    assert scheduled.opening_sent_at is not None


def test_a_chapter_public_from_the_start_is_not_announced(book, editor, announced):
    chapter_make(book=book, text=LATER, slug="now", editor=editor)
    assert chapters_open_due() == []
    assert announced == []


def test_scheduling_again_announces_again(scheduled, announced):
    from chapters.opening import opening_schedule

    open_now(scheduled)
    chapters_open_due()
    scheduled.refresh_from_db()
    previous = scheduled.opens_at
    scheduled.opens_at = timezone.now() + timedelta(days=1)
    opening_schedule(chapter=scheduled, previous_opens_at=previous)
    scheduled.save()
    assert scheduled.opening_sent_at is None
    open_now(scheduled)
    chapters_open_due()
    assert announced == [scheduled.pk, scheduled.pk]


def test_a_draft_with_an_opening_time_is_refused(book):
    chapter = Chapter(
        book=book,
        title="X",
        slug="x",
        status=Chapter.Status.DRAFT,
        opens_at=timezone.now() + timedelta(days=1),
    )
    with pytest.raises(Exception, match="draft never opens"):
        chapter.full_clean()


def test_the_admin_form_schedules_a_chapter(client, staff, chapter):
    client.force_login(staff)
    url = f"/admin/chapters/chapter/{chapter.pk}/change/"
    page = client.get(url)
    assert 'name="opens_at_0"' in page.text
    when = timezone.localtime() + timedelta(days=2)
    response = client.post(
        url,
        {
            "book": chapter.book.pk,
            "position": chapter.position,
            "title": chapter.title,
            "slug": chapter.slug,
            "status": "published",
            "opens_at_0": when.strftime("%Y-%m-%d"),
            "opens_at_1": when.strftime("%H:%M:%S"),
            "comment_period": "book",
            "text": chapter.text,
            "message": "",
            "base_revision": chapter.revision,
        },
    )
    assert response.status_code == 302, response.text[:3000]
    chapter.refresh_from_db()
    assert chapter.is_scheduled
    client.logout()
    assert client.get(chapter.get_absolute_url()).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_two_runs_at_once_announce_each_chapter_once(book, editor, announced):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    later = chapter_make(
        book=book,
        text=LATER,
        slug="later",
        editor=editor,
        opens_at=timezone.now() + timedelta(days=1),
    )
    open_now(later)
    barrier = threading.Barrier(2)

    def run():
        barrier.wait()
        chapters_open_due()
        connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert announced == [later.pk]


def test_the_reserved_slug(book):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Chapter(book=book, title="Changes", slug="changes", text=CHAPTER_TEXT).full_clean()


def test_chapters_made_before_a_slug_was_reserved_are_renamed(book):
    """A chapter whose slug the site later took would hide behind the site's page:
    the migration gives it a free slug in its book, and every word reserved now was
    handled by it (a newly reserved word needs a migration of its own)."""
    import importlib

    from django.apps import apps

    from chapters.models import RESERVED_CHAPTER_SLUGS
    from tests.factories import BookFactory

    rename = importlib.import_module("chapters.migrations.0007_reserved_slugs_renamed")
    assert set(rename.RESERVED) >= RESERVED_CHAPTER_SLUGS
    other_book = BookFactory(slug="other-book")
    made = [
        chapter_make(book=book, slug="discussion-chapter", text=CHAPTER_TEXT),
        chapter_make(book=book, slug="plain", text=CHAPTER_TEXT),
        chapter_make(book=other_book, slug="changes-chapter", text=CHAPTER_TEXT),
    ]
    old = [
        (book, "discussion"),
        (book, "changes"),
        (other_book, "discussion"),
    ]
    for target, slug in old:
        made.append(chapter_make(book=target, slug=f"x-{slug}", text=CHAPTER_TEXT))
    for chapter, (_, slug) in zip(made[3:], old, strict=True):
        Chapter.objects.filter(pk=chapter.pk).update(slug=slug)
    rename.reserved_slugs_rename(apps, None)
    slugs = [Chapter.objects.get(pk=chapter.pk).slug for chapter in made]
    assert slugs == [
        "discussion-chapter",
        "plain",
        "changes-chapter",
        "discussion-chapter-2",
        "changes-chapter",
        "discussion-chapter",
    ]
