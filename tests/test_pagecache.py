"""Anonymous reading pages from the shared cache: answered before Django, never stale
after a write has returned, never carrying one person's token to another."""

import gzip
from datetime import timedelta

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.urls import reverse
from django.utils import timezone

from chapters.models import Book, Chapter
from comments import decisions, services
from comments.folding import fold_save
from comments.models import Comment
from comments.revising import chapter_revise
from tests.conftest import PASSED, prime, thin
from tests.factories import chapter_make, comment_make
from wethink import pagecache


@pytest.fixture
def url(chapter):
    return chapter.get_absolute_url()


def test_a_stored_page_is_answered_before_django_with_its_headers(client, url):
    page = prime(client, url)
    hit = thin(url)
    assert hit["body"] == page.content
    for name in (
        "Content-Security-Policy",
        "Permissions-Policy",
        "X-Frame-Options",
        "X-Content-Type-Options",
        "Referrer-Policy",
        "ETag",
    ):
        assert hit["headers"][name] == page[name], name
    assert "nonce" not in hit["headers"]["Content-Security-Policy"]
    assert "public" in hit["headers"]["Cache-Control"]
    assert "Cookie" in hit["headers"]["Vary"] and "Accept-Encoding" in hit["headers"]["Vary"]
    assert int(hit["headers"]["Content-Length"]) == len(page.content)
    assert "Set-Cookie" not in hit["headers"]


def test_a_stored_page_is_sent_compressed_to_who_accepts_it(client, url):
    page = prime(client, url)
    hit = thin(url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert hit["headers"]["Content-Encoding"] == "gzip"
    assert gzip.decompress(hit["body"]) == page.content
    assert len(hit["body"]) < len(page.content) / 2
    head = thin(url, method="HEAD")
    assert head["status"] == "200 OK" and head["body"] == b""


def test_a_page_sent_compressed_is_stored_as_sent(client, url):
    """The miss compresses the page once: what the reader was sent is what is kept."""
    sent = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    key = pagecache.page_key({"HTTP_HOST": "testserver", "PATH_INFO": url})
    assert cache.get(f"{key}|gzip") == sent.content
    assert gzip.decompress(sent.content) == cache.get(f"{key}|raw")
    assert thin(url, HTTP_ACCEPT_ENCODING="gzip")["body"] == sent.content


def test_html_from_django_is_compressed(client, url):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"Comments on paragraph 1" in gzip.decompress(response.content)


def test_the_contents_page_and_old_revisions_are_stored_too(client, chapter):
    prime(client, chapter.book.get_absolute_url())
    chapter_revise(chapter=chapter, text=chapter.text + "\nMore.\n", editor=None, message="m")
    prime(client, chapter.revisions.get(number=1).get_absolute_url())


@pytest.mark.parametrize(
    "ask",
    [
        {"cookie": "sessionid=abc"},
        {"cookie": "messages=abc"},
        {"query": "utm=1"},
        {"method": "POST"},
    ],
    ids=["signed-in", "with-a-message", "query-string", "post"],
)
def test_only_anonymous_plain_gets_are_answered_from_the_cache(client, url, ask):
    prime(client, url)
    assert thin(url, **ask)["status"] == PASSED


def test_a_request_django_would_refuse_never_matches_a_stored_page(client, url):
    prime(client, url)
    assert thin(url, HTTP_HOST="evil.example")["status"] == PASSED
    assert thin(url, **{"wsgi.url_scheme": "https"})["status"] == PASSED


def test_a_signed_in_page_is_private_and_never_stored(client, url, reader):
    client.force_login(reader)
    response = client.get(url)
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert "X-CSRFToken" in response.text
    assert thin(url)["status"] == PASSED


def test_a_stored_page_holds_no_csrf_token_nonce_or_cookie(client, url):
    response = prime(client, url)
    body = thin(url)["body"]
    assert b"csrf" not in body.lower()
    assert b"nonce" not in body
    assert not response.cookies


def test_a_page_with_a_message_is_not_stored(client, url, rf):
    # A message waiting in its cookie is shown on the next page, which is the reader's own.
    waiting = [Message(constants.INFO, "Only for you.")]
    client.cookies["messages"] = CookieStorage(rf.get("/"))._encode(waiting)
    assert "Only for you." in client.get(url).text
    assert thin(url)["status"] == PASSED


# --- Every write moves the versions --------------------------------------------


def counted(client, url, n):
    return f"Comments on paragraph 2 ({n})" in client.get(url).text


def test_a_comment_posted_shows_at_once(client, url, chapter, reader, after_commit):
    prime(client, url)
    with after_commit():
        comment_make(chapter=chapter, author=reader)
    assert thin(url)["status"] == PASSED
    assert counted(client, url, 1)
    assert thin(url)["status"] == "200 OK"
    assert b"Comments on paragraph 2 (1)" in thin(url)["body"]


@pytest.mark.parametrize(
    "write",
    ["reply", "edit", "delete", "hide", "approve", "accept", "decline", "attach"],
)
def test_every_comment_write_moves_the_chapter_version(
    client, url, chapter, reader, editor, after_commit, write
):
    with after_commit():
        comment = comment_make(chapter=chapter, author=reader)
        if write == "approve":
            Comment.objects.filter(pk=comment.pk).update(moderation=Comment.Moderation.PENDING)
        if write == "attach":
            Comment.objects.filter(pk=comment.pk).update(anchor_state=Comment.AnchorState.ORPHANED)
        comment.refresh_from_db()
    prime(client, url)
    with after_commit():
        match write:
            case "reply":
                services.comment_reply(user=editor, parent=comment, body="Yes.")
            case "edit":
                services.comment_edit(user=reader, comment=comment, body="Better.")
            case "delete":
                services.comment_delete(user=reader, comment=comment)
            case "hide" | "approve":
                services.comment_moderate(user=editor, comment=comment, action=write, reason="x")
            case "accept":
                decisions.comments_decide(user=editor, comments=[comment], decision="accepted")
            case "decline":
                decisions.comments_decide(
                    user=editor, comments=[comment], decision="declined", reason="Not now."
                )
            case "attach":
                pid = chapter.current_revision.blocks.get(position=3).pid
                services.comment_attach(user=editor, comment=comment, pid=pid)
    assert thin(url)["status"] == PASSED
    expected = {"reply": 2, "decline": 2, "approve": 1, "edit": 1, "accept": 1}
    if write in expected:
        assert counted(client, url, expected[write])
    elif write == "attach":
        assert "Comments on paragraph 3 (1)" in client.get(url).text
    else:
        assert not counted(client, url, 1)


def test_a_fold_moves_the_version(client, url, chapter, reader, editor, after_commit):
    with after_commit():
        comment = comment_make(chapter=chapter, author=reader, suggestion="New words.")
        decisions.comments_decide(user=editor, comments=[comment], decision="accepted")
    prime(client, url)
    with after_commit():
        fold_save(
            user=editor,
            chapter=chapter,
            base=chapter.revision,
            text=chapter.text + "\n\nA paragraph folded in.\n",
            message="Fold",
            folded=[comment.pk],
        )
    assert thin(url)["status"] == PASSED
    assert "A paragraph folded in." in client.get(url).text


def test_a_revision_moves_every_page_of_the_book(client, url, chapter, book, after_commit):
    second = chapter_make(book=book, text="# Second\n\nMore.", slug="second")
    prime(client, url)
    prime(client, second.get_absolute_url())
    prime(client, book.get_absolute_url())
    with after_commit():
        chapter_revise(
            chapter=chapter,
            text="# Renamed\n\nNew text.",
            title="Renamed",
            editor=None,
            message="m",
        )
    for page in (url, second.get_absolute_url(), book.get_absolute_url()):
        assert thin(page)["status"] == PASSED
    # The next chapter's page names its neighbour by its new title.
    assert "Renamed" in client.get(second.get_absolute_url()).text


def test_chapter_and_book_settings_move_the_versions(client, url, chapter, book, after_commit):
    prime(client, url)
    with after_commit():
        chapter.comment_period = Chapter.CommentPeriod.CLOSED
        chapter.save()
    assert thin(url)["status"] == PASSED
    assert "Comments on this chapter are closed" in prime(client, url).text
    with after_commit():
        book.status = Book.Status.CLOSED
        book.save()
    assert thin(url)["status"] == PASSED
    assert "This book is closed for comments" in client.get(url).text


def test_a_book_renamed_drops_the_pages_at_its_old_address(client, url, book, after_commit):
    prime(client, url)
    with after_commit():
        book.slug = "renamed"
        book.save()
    assert thin(url)["status"] == PASSED
    assert client.get(url).status_code == 404


def test_a_chapter_made_draft_is_no_longer_served_to_anonymous_readers(
    client, url, chapter, editor, after_commit
):
    prime(client, url)
    with after_commit():
        chapter.status = Chapter.Status.DRAFT
        chapter.save()
    assert thin(url)["status"] == PASSED
    assert client.get(url).status_code == 404
    assert thin(url)["status"] == PASSED
    client.force_login(editor)
    assert client.get(url).status_code == 200


def test_a_page_does_not_outlive_the_closing_of_comments(
    client, chapter, after_commit, monkeypatch
):
    with after_commit():
        chapter.comments_close_at = timezone.now() + timedelta(seconds=30)
        chapter.save()
    url = chapter.get_absolute_url()
    kept = {}
    store = cache.set_many

    def spy(data, timeout=None, **kwargs):
        kept.update(dict.fromkeys(data, timeout))
        return store(data, timeout, **kwargs)

    monkeypatch.setattr(cache, "set_many", spy)
    assert "Open for comments until" in prime(client, url).text
    assert 0 < kept[pagecache.page_key({"HTTP_HOST": "testserver", "PATH_INFO": url})] <= 30


def test_a_username_change_moves_every_page(client, url, reader, after_commit):
    prime(client, url)
    with after_commit():
        reader.last_login = timezone.now()
        reader.save(update_fields=["last_login"])
    assert thin(url)["status"] == "200 OK"
    with after_commit():
        reader.username = "renamed"
        reader.save()
    assert thin(url)["status"] == PASSED


def test_versions_missed_while_redis_was_down_drop_every_page_after(
    client, url, chapter, reader, after_commit, monkeypatch
):
    prime(client, url)
    # On the backend's class: the Redis backend reads `is_down` from a property.
    monkeypatch.setattr(type(caches["default"]), "is_down", True, raising=False)
    monkeypatch.setattr(cache, "set_many", lambda *a, **k: list(a[0]))
    with after_commit():
        comment_make(chapter=chapter, author=reader)
    monkeypatch.undo()
    # Redis is back with the old versions, and the stored page made before the comment.
    assert thin(url)["status"] == PASSED
    assert counted(client, url, 1)


# --- Conditional GET -----------------------------------------------------------


def test_revalidating_a_stored_page_is_a_304(client, url):
    page = prime(client, url)
    etag = page["ETag"]
    assert thin(url, HTTP_IF_NONE_MATCH=etag)["status"] == "304 Not Modified"
    assert thin(url, HTTP_IF_NONE_MATCH=etag)["headers"]["ETag"] == etag
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert thin(url, HTTP_IF_NONE_MATCH='W/"other"')["status"] == "200 OK"


def test_a_304_is_not_given_once_the_page_changed(client, url, chapter, reader, after_commit):
    etag = prime(client, url)["ETag"]
    with after_commit():
        comment_make(chapter=chapter, author=reader)
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert response["ETag"] != etag


def test_the_books_discussion_and_its_count_on_the_contents_are_never_stale(
    client, chapter, reader, editor, after_commit
):
    book = chapter.book
    contents = book.get_absolute_url()
    discussion = reverse("comments:discussion", kwargs={"book": book.slug})
    prime(client, contents)
    prime(client, discussion)
    prime(client, chapter.get_absolute_url())
    with after_commit():
        comment = services.comment_create_on_book(user=reader, book=book, body="Overall.")
    assert thin(contents)["status"] == PASSED and thin(discussion)["status"] == PASSED
    # A chapter's page does not show the book's discussion: it stays stored.
    assert thin(chapter.get_absolute_url())["status"] == "200 OK"
    assert "1 comment on the book as a whole." in client.get(contents).text
    assert "Overall." in client.get(discussion).text
    assert b"Overall." in thin(discussion)["body"]
    for write in ("vote", "decide", "hide"):
        with after_commit():
            match write:
                case "vote":
                    services.vote_toggle(user=editor, comment=comment)
                case "decide":
                    decisions.comments_decide(user=editor, comments=[comment], decision="declined")
                case "hide":
                    services.comment_moderate(
                        user=editor, comment=comment, action="hide", reason="x"
                    )
        assert thin(discussion)["status"] == PASSED, write
        prime(client, discussion)
    assert "Overall." not in client.get(discussion).text
    assert "Start the discussion" in client.get(contents).text
