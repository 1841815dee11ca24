import re
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.urls import reverse

from chapters.models import Book
from comments.models import Comment
from comments.services import comment_moderate
from tests.factories import UserFactory, comment_make


def thread_url(chapter, position=2):
    pid = chapter.current_revision.blocks.get(position=position).pid
    return reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )


HTMX = {"HTTP_HX_REQUEST": "true"}


def test_each_block_has_a_comments_control_with_its_count(client, chapter, reader):
    comment_make(chapter=chapter, author=reader, position=3)
    html = client.get(chapter.get_absolute_url()).text
    assert ">Comments on paragraph 2</a>" in html
    assert 'data-n="1">Comments on paragraph 3 (1)</a>' in html
    # Relative to the chapter's address: the thread of that block.
    href = re.search(r'<a href="([^"]+)" data-n="1">', html).group(1)
    assert urljoin(chapter.get_absolute_url(), href) == thread_url(chapter, 3)


def test_anonymous_readers_see_comments_and_are_sent_to_log_in(client, chapter, reader):
    comment_make(chapter=chapter, author=reader, body="Visible to all")
    url = thread_url(chapter)
    page = client.get(url)
    assert page.status_code == 200
    assert "Visible to all" in page.text
    assert "Log in to comment" in page.text
    assert f"/accounts/login/?next={url}" in page.text.replace("%2F", "/")
    response = client.post(url, {"body": "Sneaky"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert not Comment.objects.filter(body="Sneaky").exists()


def test_a_reader_posts_a_comment_without_javascript(client, chapter, reader):
    client.force_login(reader)
    url = thread_url(chapter)
    response = client.post(url, {"body": "Plain form post", "revision": 1})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url}#c{comment.pk}"
    page = client.get(url)
    assert "Plain form post" in page.text
    assert "Your comment is posted." in page.text


def test_htmx_posts_get_the_thread_partial_back(client, chapter, reader):
    client.force_login(reader)
    response = client.post(
        thread_url(chapter),
        {"body": "Through htmx", "quote": "opening paragraph", "suggestion": "first paragraph"},
        **HTMX,
    )
    assert response.status_code == 200
    assert "<html" not in response.text
    assert 'class="thread"' in response.text
    assert "Through htmx" in response.text
    assert (
        '<del><span class="visually-hidden">removed: </span>opening</del> '
        '<ins><span class="visually-hidden">added: </span>first</ins> paragraph'
    ) in response.text


def test_htmx_gets_the_thread_partial(client, chapter):
    response = client.get(thread_url(chapter), **HTMX)
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="thread"')


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ({"body": ""}, 400, "Your comment is empty."),
        ({"body": "x" * 10_001}, 400, "the limit is 10000"),
        ({"body": "nul\x00"}, 400, "Null characters are not allowed."),
        ({"body": "bell\x07"}, 400, "control characters"),
        ({"body": "ok", "quote": "nowhere in it"}, 400, "not in this paragraph"),
        ({"body": "ok", "revision": 7}, 400, "Revision 7 of this chapter does not exist."),
    ],
)
def test_bad_input_is_a_4xx_with_a_message(client, chapter, reader, data, status, message):
    client.force_login(reader)
    response = client.post(thread_url(chapter), data)
    assert response.status_code == status
    assert message in response.text
    assert not Comment.objects.exists()


def test_an_unknown_pid_is_a_404(client, chapter, reader):
    client.force_login(reader)
    url = reverse(
        "comments:thread",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": "zzzzzz"},
    )
    assert client.get(url).status_code == 404
    assert client.post(url, {"body": "Hello"}).status_code == 404
    assert not Comment.objects.exists()


def test_posting_too_fast_is_a_429(client, chapter, reader, settings):
    from django.core.cache import cache

    cache.clear()
    settings.WETHINK_COMMENTS_PER_MINUTE = 1
    client.force_login(reader)
    assert client.post(thread_url(chapter), {"body": "one"}).status_code == 302
    response = client.post(thread_url(chapter), {"body": "two"})
    assert response.status_code == 429
    assert "wait a moment" in response.text
    assert Comment.objects.count() == 1


def test_csrf_is_required(chapter, reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    assert client.post(thread_url(chapter), {"body": "no token"}).status_code == 403
    assert not Comment.objects.exists()


def test_reply_vote_edit_delete_flag(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(editor)
    page = client.get(thread_url(chapter), {"reply": comment.pk})
    assert 'id="reply-' in page.text and "Your reply" in page.text
    assert (
        client.post(reverse("comments:reply", args=[comment.pk]), {"body": "Thanks"}).status_code
        == 302
    )
    assert comment.replies.get().body == "Thanks"
    assert client.post(reverse("comments:vote", args=[comment.pk])).status_code == 302
    comment.refresh_from_db()
    assert comment.vote_count == 1
    page = client.get(thread_url(chapter))
    assert 'aria-pressed="true"' in page.text and "Vote: take back your vote (1 vote)" in page.text
    assert client.get(reverse("comments:edit", args=[comment.pk])).status_code == 403
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 403
    response = client.post(reverse("comments:flag", args=[comment.pk]), {"reason": "Rude"})
    assert response.status_code == 302
    client.force_login(reader)
    assert client.post(reverse("comments:vote", args=[comment.pk])).status_code == 400
    response = client.post(reverse("comments:edit", args=[comment.pk]), {"body": "Better"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Better"
    assert "edited" in client.get(thread_url(chapter)).text
    assert client.post(reverse("comments:delete", args=[comment.pk])).status_code == 302
    page = client.get(thread_url(chapter))
    assert "This comment was removed by its author." in page.text
    assert "Thanks" in page.text


@pytest.mark.parametrize("name", ["reply", "vote", "delete", "flag", "edit", "moderate"])
def test_comment_actions_need_an_account(client, chapter, reader, name):
    comment = comment_make(chapter=chapter, author=reader)
    response = client.post(reverse(f"comments:{name}", args=[comment.pk]), {"body": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_hidden_and_pending_comments(client, chapter, reader, editor):
    other = UserFactory()
    hidden = comment_make(chapter=chapter, author=reader, body="Hidden words")
    comment_moderate(user=editor, comment=hidden, action="hide", reason="Off topic")
    Book.objects.filter(pk=chapter.book_id).update(moderation=Book.Moderation.FIRST_COMMENT)
    chapter.book.refresh_from_db()
    pending = comment_make(chapter=chapter, author=other, body="Pending words")
    url = thread_url(chapter)
    assert "Hidden words" not in client.get(url).text
    assert "Pending words" not in client.get(url).text
    client.force_login(reader)
    page = client.get(url).text
    assert "Hidden words" in page and "Hidden by a moderator: Off topic" in page
    assert "Pending words" not in page
    client.force_login(other)
    page = client.get(url).text
    assert "Pending words" in page and "awaiting approval" in page
    assert client.get(reverse("comments:edit", args=[hidden.pk])).status_code == 404
    client.force_login(editor)
    page = client.get(url).text
    assert "Hidden words" in page and "Pending words" in page
    assert pending.pk


def test_moderation_queue_and_actions_are_for_editors(client, chapter, reader, editor, staff):
    comment = comment_make(chapter=chapter, author=reader, body="Flag me")
    from comments.services import flag_create

    flag_create(user=UserFactory(), comment=comment, reason="Spammy link")
    url = reverse("comments:moderation", kwargs={"book": chapter.book.slug})
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url).status_code == 403
    response = client.post(
        reverse("comments:moderate", args=[comment.pk]), {"action": "spam", "reason": ""}
    )
    assert response.status_code == 403
    client.force_login(staff)
    assert client.get(url).status_code == 200
    client.force_login(editor)
    page = client.get(url)
    assert page.status_code == 200 and "Flag me" in page.text and "Spammy link" in page.text
    response = client.post(
        reverse("comments:moderate", args=[comment.pk]), {"action": "spam", "next": "queue"}
    )
    assert response.status_code == 302 and response["Location"] == url
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.SPAM
    assert "Flag me" not in client.get(url).text


def test_threads_of_draft_books_are_hidden(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=editor)
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    client.force_login(reader)
    assert client.get(thread_url(chapter)).status_code == 404
    assert client.post(reverse("comments:vote", args=[comment.pk])).status_code == 404
    client.force_login(editor)
    assert client.get(thread_url(chapter)).status_code == 200


def test_closed_books_show_comments_and_say_why_the_form_is_gone(client, chapter, reader):
    comment_make(chapter=chapter, author=reader, body="Said while open")
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.CLOSED)
    client.force_login(reader)
    page = client.get(thread_url(chapter)).text
    assert "Said while open" in page
    assert "closed for comments" in page
    assert "Post comment" not in page


def test_sorting_by_votes(client, chapter, reader, editor):
    from comments.services import vote_toggle

    comment_make(chapter=chapter, author=reader, body="Older, no votes")
    liked = comment_make(chapter=chapter, author=reader, body="Newer, liked")
    vote_toggle(user=editor, comment=liked)
    page = client.get(thread_url(chapter), {"sort": "votes"}).text
    assert page.index("Newer, liked") < page.index("Older, no votes")
    page = client.get(thread_url(chapter), {"sort": "oldest"}).text
    assert page.index("Older, no votes") < page.index("Newer, liked")


def test_feeds_list_visible_comments(client, chapter, reader, editor):
    comment_make(chapter=chapter, author=reader, body="In the feed")
    hidden = comment_make(chapter=chapter, author=reader, body="Not in the feed")
    comment_moderate(user=editor, comment=hidden, action="spam")
    for url in (
        reverse("comments:book_feed", kwargs={"book": chapter.book.slug}),
        reverse(
            "comments:chapter_feed", kwargs={"book": chapter.book.slug, "chapter": chapter.slug}
        ),
    ):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        assert "In the feed" in response.text and "Not in the feed" not in response.text
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.DRAFT)
    assert (
        client.get(reverse("comments:book_feed", kwargs={"book": chapter.book.slug})).status_code
        == 404
    )


def test_orphaned_comments_are_listed_under_the_chapter(client, chapter, reader, editor):
    from tests.factories import quotation_removed

    comment_make(chapter=chapter, author=reader, position=7, body="About the quotation")
    quotation_removed(chapter, editor)
    page = client.get(chapter.get_absolute_url()).text
    assert "Comments on text that has been removed" in page
    assert "About the quotation" in page
    assert "written on revision 1" in page


def test_a_closed_chapter_keeps_its_comments_and_says_why(client, chapter, reader):
    from chapters.models import Chapter

    comment_make(chapter=chapter, author=reader, body="Said before closing")
    Chapter.objects.filter(pk=chapter.pk).update(comment_period=Chapter.CommentPeriod.CLOSED)
    client.force_login(reader)
    page = client.get(chapter.get_absolute_url()).text
    assert "Comments on this chapter are closed." in page
    thread = client.get(thread_url(chapter)).text
    assert "Said before closing" in thread and "Post comment" not in thread
    assert client.post(thread_url(chapter), {"body": "Too late"}).status_code == 403
    assert Comment.objects.count() == 1


def test_a_double_click_on_vote_leaves_one_vote(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(editor)
    page = client.get(thread_url(chapter))
    assert 'name="voted" value="1"' in page.text
    url = reverse("comments:vote", args=[comment.pk])
    for _ in range(2):
        assert client.post(url, {"voted": "1"}).status_code == 302
    comment.refresh_from_db()
    assert comment.vote_count == 1
    assert 'name="voted" value="0"' in client.get(thread_url(chapter)).text
    for _ in range(2):
        assert client.post(url, {"voted": "0"}).status_code == 302
    comment.refresh_from_db()
    assert comment.vote_count == 0
    assert client.post(url, {"voted": "yes"}).status_code == 400
    comment.refresh_from_db()
    assert comment.vote_count == 0
