"""Threads, history and diffs for anonymous readers are stored whole like chapter
pages: answered before Django, never stale once a write has returned."""

import pytest
from django.urls import reverse

from comments import decisions, services
from comments.folding import fold_save
from comments.revising import chapter_revise
from tests.conftest import PASSED, prime, thin
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def revised(chapter):
    chapter_revise(chapter=chapter, text=chapter.text + "\nMore.\n", editor=None, message="m")
    return chapter


def thread_url(chapter, position=2):
    pid = chapter.current_revision.blocks.get(position=position).pid
    return reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )


def pages(chapter) -> dict[str, str]:
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    return {
        "thread": thread_url(chapter),
        "history": reverse("chapters:chapter_history", kwargs=kw),
        "diff": reverse("chapters:chapter_diff", kwargs={**kw, "a": 1, "b": 2}),
    }


@pytest.mark.parametrize("name", ["thread", "history", "diff"])
def test_the_page_is_answered_before_django_and_costs_no_query(
    client, revised, name, django_assert_num_queries
):
    url = pages(revised)[name]
    page = prime(client, url)
    with django_assert_num_queries(0):
        hit = thin(url)
    assert hit["body"] == page.content
    assert hit["headers"]["ETag"] == page["ETag"]
    again = thin(url, HTTP_IF_NONE_MATCH=page["ETag"])
    assert again["status"].startswith("304")


@pytest.mark.parametrize("name", ["thread", "history", "diff"])
def test_signed_in_pages_are_private_and_never_stored(client, revised, reader, name):
    url = pages(revised)[name]
    client.force_login(reader)
    response = client.get(url)
    assert response.status_code == 200
    assert "private" in response["Cache-Control"]
    assert thin(url)["status"] == PASSED


def test_a_signed_in_readers_thread_never_reaches_an_anonymous_one(client, chapter, reader):
    comment_make(chapter=chapter, author=reader, body="Mine.")
    url = thread_url(chapter)
    client.force_login(reader)
    assert "Delete" in client.get(url).text
    client.logout()
    page = prime(client, url)
    assert "Delete" not in page.text and "csrfmiddlewaretoken" not in page.text
    assert b"Delete" not in thin(url)["body"]


def test_an_htmx_thread_and_the_full_page_are_kept_apart(client, chapter):
    url = thread_url(chapter)
    part = client.get(url, **HTMX)
    assert part.status_code == 200
    assert "HX-Request" in part["Vary"]
    assert b"<html" not in part.content
    assert thin(url)["status"] == PASSED
    assert thin(url, **HTMX)["body"] == part.content
    full = prime(client, url)
    assert b"<html" in full.content
    assert b"<html" in thin(url)["body"]
    assert b"<html" not in thin(url, **HTMX)["body"]


def test_a_comment_posted_shows_at_once_in_the_stored_thread(client, chapter, reader, after_commit):
    url = thread_url(chapter)
    prime(client, url)
    client.get(url, **HTMX)
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="Freshly posted.")
    assert thin(url)["status"] == PASSED
    assert thin(url, **HTMX)["status"] == PASSED
    assert "Freshly posted." in client.get(url).text


def test_a_vote_in_another_book_moves_the_reputation_in_a_stored_thread(
    client, chapter, reader, editor, after_commit
):
    comment_make(chapter=chapter, author=reader, body="Here.")
    elsewhere = chapter_make(
        book=BookFactory(slug="other-book", editors=[editor]), text="# T\n\nA.\n\nB.", slug="t"
    )
    with after_commit():
        there = comment_make(chapter=elsewhere, author=reader, body="There.")
    url = thread_url(chapter)
    prime(client, url)
    with after_commit():
        services.vote_toggle(user=UserFactory(username="voter"), comment=there)
    assert thin(url)["status"] == PASSED
    assert '<span class="visually-hidden">reputation </span>1</span>' in client.get(url).text


def test_a_new_revision_shows_at_once_in_the_stored_history(client, revised, after_commit):
    url = pages(revised)["history"]
    prime(client, url)
    with after_commit():
        chapter_revise(chapter=revised, text=revised.text + "\nAgain.\n", editor=None, message="m3")
    assert thin(url)["status"] == PASSED
    assert ">r3<" in client.get(url).text


def test_a_fold_shows_at_once_in_the_stored_diff(client, chapter, reader, editor, after_commit):
    with after_commit():
        comment = comment_make(chapter=chapter, author=reader, body="Add a line.")
        decisions.comments_decide(user=editor, comments=[comment], decision="accepted")
    with after_commit():
        fold_save(
            user=editor,
            chapter=chapter,
            base=chapter.revision,
            # The commented paragraph (position 2) changes, so the diff lists the comment.
            text=chapter.text.replace("sets the scene", "sets the scene, and a line"),
            message="Fold",
            folded=[comment.pk],
        )
    url = pages(chapter)["diff"]
    prime(client, url)
    with after_commit():
        services.comment_edit(user=reader, comment=comment, body="Add a better line.")
    assert thin(url)["status"] == PASSED
    assert "Add a better line." in client.get(url).text
