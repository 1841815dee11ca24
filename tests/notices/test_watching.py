"""Watching a chapter or a book: the buttons, the views that start and stop it,
and the profile's list. Allowed and forbidden cases share their setup."""

import pytest
from django.urls import reverse

from chapters.models import Book, Chapter
from notices.models import Watch
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make

pytestmark = pytest.mark.django_db


def _watch_url(chapter: Chapter | None = None, book: Book | None = None) -> str:
    if chapter is not None:
        return reverse(
            "notices:chapter_watch", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
        )
    return reverse("notices:book_watch", kwargs={"book": book.slug})


def test_a_reader_watches_a_chapter_and_stops(client, post, reader, chapter):
    client.force_login(reader)
    response = post(_watch_url(chapter), {"watch": "1"})
    assert response.status_code == 302
    assert response["Location"] == chapter.get_absolute_url()
    assert Watch.objects.filter(user=reader, chapter=chapter, book=chapter.book).count() == 1
    # The same click twice (Back, then again) makes one watch.
    post(_watch_url(chapter), {"watch": "1"})
    assert Watch.objects.filter(user=reader).count() == 1
    post(_watch_url(chapter), {"watch": "0"})
    assert not Watch.objects.filter(user=reader).exists()


def test_a_reader_watches_a_book(client, post, reader, book):
    client.force_login(reader)
    response = post(_watch_url(book=book), {"watch": "1", "next": "/accounts/profile/"})
    assert response["Location"] == "/accounts/profile/"
    assert Watch.objects.get(user=reader).chapter is None


def test_watching_needs_a_login_and_a_post(client, post, reader, chapter):
    url = _watch_url(chapter)
    response = post(url, {"watch": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Watch.objects.exists()
    client.force_login(reader)
    assert client.get(url).status_code == 405
    assert not Watch.objects.exists()


@pytest.mark.parametrize("what", ["draft book", "draft chapter", "no such chapter"])
def test_no_one_watches_what_they_may_not_read(client, post, reader, editor, what):
    book = BookFactory(
        slug="b",
        status=Book.Status.DRAFT if what == "draft book" else Book.Status.OPEN,
        editors=[editor],
    )
    chapter = chapter_make(
        book=book,
        text=CHAPTER_TEXT,
        slug="c",
        editor=editor,
        status=Chapter.Status.DRAFT if what == "draft chapter" else Chapter.Status.PUBLISHED,
    )
    url = "/watch/b/nope/" if what == "no such chapter" else _watch_url(chapter)
    client.force_login(reader)
    assert post(url, {"watch": "1"}).status_code == 404
    if what == "draft book":
        assert post(_watch_url(book=book), {"watch": "1"}).status_code == 404
    assert not Watch.objects.exists()
    # The book's editor may watch it.
    client.force_login(editor)
    if what != "no such chapter":
        assert post(_watch_url(chapter), {"watch": "1"}).status_code == 302
        assert Watch.objects.filter(user=editor).exists()


def test_the_chapter_page_offers_the_button_and_shows_its_state(client, post, reader, chapter):
    page = client.get(chapter.get_absolute_url()).content.decode()
    assert "Watch this chapter" not in page  # anonymous readers: nothing to watch with
    client.force_login(reader)
    page = client.get(chapter.get_absolute_url()).content.decode()
    assert "Watch this chapter" in page
    assert _watch_url(chapter) in page
    post(_watch_url(chapter), {"watch": "1"})
    page = client.get(chapter.get_absolute_url()).content.decode()
    assert "You watch this chapter." in page
    assert 'name="watch" value="0"' in page
    post(_watch_url(chapter), {"watch": "0"})
    assert "Watch this chapter" in client.get(chapter.get_absolute_url()).content.decode()


def test_a_chapter_of_a_watched_book_says_so(client, post, reader, chapter):
    client.force_login(reader)
    post(_watch_url(book=chapter.book), {"watch": "1"})
    page = client.get(chapter.get_absolute_url()).content.decode()
    assert "You watch this book." in page
    assert "Stop watching the book" in page
    contents = client.get(chapter.book.get_absolute_url()).content.decode()
    assert "You watch this book." in contents


def test_the_contents_offer_to_watch_the_book(client, post, reader, chapter):
    assert "Watch this book" not in client.get(chapter.book.get_absolute_url()).content.decode()
    client.force_login(reader)
    page = client.get(chapter.book.get_absolute_url()).content.decode()
    assert "Watch this book" in page
    assert _watch_url(book=chapter.book) in page


def test_the_profile_lists_what_one_watches_to_its_owner_only(client, post, reader, chapter):
    other = UserFactory(username="other")
    client.force_login(reader)
    profile = reverse("accounts:profile", kwargs={"username": "rea"})
    assert "You watch nothing yet" in client.get(profile).content.decode()
    post(_watch_url(chapter), {"watch": "1"})
    post(_watch_url(book=chapter.book), {"watch": "1"})
    page = client.get(profile).content.decode()
    assert "What you watch" in page
    assert chapter.title in page
    assert "the whole book" in page
    client.force_login(other)
    page = client.get(profile).content.decode()
    assert "What you watch" not in page


def test_a_watch_of_a_chapter_made_a_draft_leaves_the_profile(client, post, reader, chapter):
    client.force_login(reader)
    post(_watch_url(chapter), {"watch": "1"})
    Chapter.objects.filter(pk=chapter.pk).update(status=Chapter.Status.DRAFT)
    page = client.get(reverse("accounts:my_profile"), follow=True).content.decode()
    assert chapter.title not in page.split('id="watching"')[1].split("</section>")[0]
