"""Recent changes of a book: revisions, comments and openings, newest first, as each
person may see them, filtered, paged, and as an Atom feed."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chapters.models import Chapter
from comments.models import Comment
from comments.revising import chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make


def url(book, query=""):
    return f"/b/{book.slug}/changes/{query}"


def test_revisions_comments_and_openings_newest_first(client, book, chapter, editor, reader):
    comment_make(chapter=chapter, author=reader, body="An early remark.")
    chapter_revise(
        chapter=chapter, text=CHAPTER_TEXT + "\nMore.\n", editor=editor, message="Added a line"
    )
    later = chapter_make(
        book=book,
        text="# Later\n\nSoon.\n",
        slug="later",
        editor=editor,
        opens_at=timezone.now() + timedelta(days=1),
    )
    page = client.get(url(book)).text
    assert page.index("Added a line") < page.index("An early remark.")
    assert "Later" not in page
    Chapter.objects.filter(pk=later.pk).update(opens_at=timezone.now())
    page = client.get(url(book)).text
    assert "“Later” is open to readers" in page
    assert page.index("open to readers") < page.index("Added a line")
    assert f'href="/b/{book.slug}/changes/"' in client.get(book.get_absolute_url()).text


def test_a_revision_lists_the_comments_folded_into_it(client, book, chapter, editor, reader):
    comment = comment_make(chapter=chapter, author=reader, body="Say it better.")
    chapter.refresh_from_db()
    revision = chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "sets the stage"),
        editor=editor,
        message="Folded a suggestion",
    )
    Comment.objects.filter(pk=comment.pk).update(
        decision=Comment.Decision.INCORPORATED, incorporated_in=revision
    )
    page = client.get(url(book)).text
    assert "1 comment folded in" in page
    assert "Say it better." in page.split("Folded a suggestion")[1]


def test_filters_and_visibility(client, book, chapter, editor, reader):
    comment_make(chapter=chapter, author=reader, body="Shown to all.")
    hidden = comment_make(chapter=chapter, author=reader, body="Hidden by a moderator.")
    Comment.objects.filter(pk=hidden.pk).update(moderation=Comment.Moderation.HIDDEN)
    draft = chapter_make(
        book=book, text="# Draft\n\nSecret.\n", slug="draft", editor=editor, status="draft"
    )
    comment_make(chapter=draft, author=editor, body="On the draft.")
    page = client.get(url(book)).text
    assert "Shown to all." in page
    assert "Hidden by a moderator." not in page
    assert "On the draft." not in page and "Secret" not in page
    only_revisions = client.get(url(book, "?show=revisions")).text
    assert "Shown to all." not in only_revisions and "revision 1" in only_revisions
    only_comments = client.get(url(book, f"?show=comments&chapter={chapter.slug}")).text
    assert "Shown to all." in only_comments and "revision 1" not in only_comments
    assert client.get(url(book, "?show=bogus")).status_code == 400
    assert client.get(url(book, "?chapter=draft")).status_code == 404
    assert client.get(url(book, "?page=x")).status_code == 400
    client.force_login(editor)
    assert "On the draft." in client.get(url(book)).text


def test_a_draft_book_is_a_404_to_readers(client, editor, reader):
    draft = BookFactory(slug="hidden-book", status="draft", editors=[editor])
    assert client.get(url(draft)).status_code == 404
    assert client.get(f"/b/{draft.slug}/changes/feed/").status_code == 404
    client.force_login(reader)
    assert client.get(url(draft)).status_code == 404
    client.force_login(editor)
    assert client.get(url(draft)).status_code == 200


def test_empty_states_say_what_to_do(client, editor):
    empty = BookFactory(slug="empty-book")
    assert "Nothing has changed in this book yet" in client.get(url(empty)).text
    assert "Nothing matches these filters" in client.get(url(empty, "?show=comments")).text


def test_the_feed(client, book, chapter, editor, reader):
    comment_make(chapter=chapter, author=reader, body="A remark for the feed.")
    response = client.get(f"/b/{book.slug}/changes/feed/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    text = response.content.decode()
    assert "A remark for the feed." in text
    assert "revised (revision 1)" in text
    etag = response["ETag"]
    assert client.get(f"/b/{book.slug}/changes/feed/", HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("size", [3, 40])
def test_query_count_does_not_grow(
    client, book, editor, settings, size, django_assert_max_num_queries
):
    settings.WETHINK_COMMENTS_PER_MINUTE = 10_000
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="counted", editor=editor)
    people = [UserFactory(username=f"p{n}") for n in range(3)]
    for n in range(size):
        comment_make(chapter=chapter, author=people[n % 3], body=f"Remark {n}.")
        chapter_revise(
            chapter=chapter, text=CHAPTER_TEXT + f"\nLine {n}.\n", editor=editor, message=f"r{n}"
        )
    with django_assert_max_num_queries(12):
        assert client.get(url(book)).status_code == 200
    client.force_login(people[0])
    with django_assert_max_num_queries(16):
        assert client.get(url(book, "?page=2")).status_code == 200
