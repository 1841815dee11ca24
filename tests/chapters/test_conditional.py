"""Conditional GET and Cache-Control on the reading pages and feeds."""

import pytest
from django.urls import reverse

from comments.revising import chapter_revise
from tests.factories import comment_make


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def pages(chapter):
    chapter_revise(chapter=chapter, text=chapter.text + "\nMore.\n", editor=None, message="m")
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    return {
        "history": reverse("chapters:chapter_history", kwargs=kw),
        "diff": reverse("chapters:chapter_diff", kwargs={**kw, "a": 1, "b": 2}),
        "chapter feed": reverse("comments:chapter_feed", kwargs=kw),
        "book feed": reverse("comments:book_feed", kwargs={"book": chapter.book.slug}),
        "chapter": chapter.get_absolute_url(),
        "contents": chapter.book.get_absolute_url(),
    }


NAMES = ["history", "diff", "chapter feed", "book feed", "chapter", "contents"]


@pytest.mark.parametrize("name", NAMES)
def test_revalidation_of_an_unchanged_page_is_a_304(client, pages, name):
    first = client.get(pages[name])
    assert first.status_code == 200
    assert first["ETag"].startswith('W/"')
    assert "public" in first["Cache-Control"] and "Cookie" in first["Vary"]
    again = client.get(pages[name], HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again.content == b""


@pytest.mark.parametrize("name", ["history", "diff", "chapter feed", "book feed"])
def test_a_304_from_the_versions_costs_no_query(client, pages, name, django_assert_num_queries):
    etag = client.get(pages[name])["ETag"]
    # The book's feed also counts the scheduled chapters opened by now (one COUNT):
    # the clock alone changes which chapters' comments it lists.
    with django_assert_num_queries(1 if name == "book feed" else 0):
        assert client.get(pages[name], HTTP_IF_NONE_MATCH=etag).status_code == 304


@pytest.mark.parametrize("name", NAMES)
def test_a_comment_changes_the_etag(client, pages, chapter, reader, after_commit, name):
    etag = client.get(pages[name])["ETag"]
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="New.")
    if name in {"history", "diff", "contents"}:
        # None shows an open comment to an anonymous reader (the diff lists only the
        # comments folded into a change), and their ETags are the page's own hash.
        return
    again = client.get(pages[name], HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 200
    assert again["ETag"] != etag


@pytest.mark.parametrize("name", NAMES)
def test_signed_in_pages_are_private_and_not_revalidated_from_a_shared_etag(
    client, pages, reader, name
):
    etag = client.get(pages[name])["ETag"]
    client.force_login(reader)
    response = client.get(pages[name], HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]


def test_a_draft_chapter_is_still_a_404_to_anonymous_readers(client, chapter, editor):
    chapter.status = "draft"
    chapter.save()
    url = reverse(
        "chapters:chapter_history", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
    )
    assert client.get(url).status_code == 404
    assert "ETag" not in client.get(url)
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_the_chapter_page_costs_the_same_queries_for_ten_or_three_hundred_blocks(client, book):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import chapter_make

    counts = []
    for n in (10, 300):
        text = "\n\n".join(f"Paragraph {i} of {n}." for i in range(n))
        found = chapter_make(book=book, text=text, slug=f"c{n}", title=f"C{n}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(found.get_absolute_url()).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
