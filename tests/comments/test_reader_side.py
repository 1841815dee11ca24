"""The reader's side of commenting: one-time form tokens, limits said out loud,
flags, confirmation, editors' badges, suggestions as they would read, passages."""

import json

import pytest
from django.urls import reverse

from chapters.diffing import phrase_diff
from chapters.models import Chapter
from comments.models import MAX_BODY, Comment, Flag
from comments.services import comment_moderate, comment_reply
from tests.factories import UserFactory, chapter_make, comment_make

HTMX = {"HTTP_HX_REQUEST": "true"}
TOKEN = "a-one-time-token-0123456789"


def thread_url(chapter, position=2):
    pid = chapter.current_revision.blocks.get(position=position).pid
    return reverse(
        "comments:thread", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid}
    )


# --- A form sent twice is stored once ----------------------------------------


def test_the_comment_form_carries_a_fresh_token_each_time(client, chapter, reader):
    client.force_login(reader)
    first = client.get(thread_url(chapter)).text
    second = client.get(thread_url(chapter)).text
    name = 'name="form_token" value="'
    assert name in first
    assert first.split(name)[1][:20] != second.split(name)[1][:20]


def test_posting_the_same_form_again_leads_to_the_comment_already_posted(client, chapter, reader):
    client.force_login(reader)
    data = {"body": "Posted once, sent twice.", "form_token": TOKEN}
    first = client.post(thread_url(chapter), data)
    assert first.status_code == 302
    comment = Comment.objects.get()
    again = client.post(thread_url(chapter), data, follow=True)
    assert again.status_code == 200
    assert Comment.objects.count() == 1
    assert again.redirect_chain[-1][0] == comment.get_absolute_url()
    assert "This comment was posted already; it is not posted twice." in again.text
    # Another form (another token) is another comment.
    client.post(thread_url(chapter), {"body": "A second thought.", "form_token": TOKEN + "x"})
    assert Comment.objects.count() == 2


def test_the_same_token_from_another_reader_is_theirs(client, chapter, reader):
    other = UserFactory()
    for person in (reader, other):
        client.force_login(person)
        client.post(thread_url(chapter), {"body": "Same words.", "form_token": TOKEN})
    assert Comment.objects.count() == 2


def test_a_reply_sent_twice_is_stored_once(client, chapter, reader):
    parent = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    url = reverse("comments:reply", args=[parent.pk])
    data = {"body": "Agreed.", "form_token": TOKEN, "reply_to": parent.pk}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data, follow=True)
    assert parent.replies.count() == 1
    assert "This reply was posted already; it is not posted twice." in again.text
    # Through htmx the thread comes back, once, with the message.
    again = client.post(url, data, **HTMX)
    assert again.status_code == 200
    assert again.text.count("Agreed.") == 1
    assert parent.replies.count() == 1


def test_a_malformed_token_is_ignored_not_an_error(client, chapter, reader):
    client.force_login(reader)
    for _ in range(2):
        response = client.post(thread_url(chapter), {"body": "Fine.", "form_token": "<bad>"})
        assert response.status_code == 302
    assert Comment.objects.count() == 2


# --- Lengths ---------------------------------------------------------------------


def test_text_areas_do_not_cut_a_paste_and_too_long_text_is_refused(client, chapter, reader):
    client.force_login(reader)
    page = client.get(thread_url(chapter)).text
    assert ' maxlength="10000"' not in page
    assert f'data-maxlength="{MAX_BODY}"' in page
    response = client.post(thread_url(chapter), {"body": "x" * (2 * MAX_BODY)})
    assert response.status_code == 400
    assert "Your comment is 20000 characters long; the limit is 10000." in response.text
    # What was written is given back, not cut.
    assert "x" * (2 * MAX_BODY) in response.text
    assert not Comment.objects.exists()


def test_a_too_long_reply_is_refused_with_the_form_kept_open(client, chapter, reader):
    parent = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    response = client.post(
        reverse("comments:reply", args=[parent.pk]),
        {"body": "y" * (MAX_BODY + 1), "reply_to": parent.pk},
        **HTMX,
    )
    assert response.status_code == 400
    assert "the limit is 10000" in response.text
    assert f'id="reply-{parent.pk}"' in response.text
    assert not parent.replies.exists()


def test_after_posting_a_reply_the_reply_form_closes(client, chapter, reader):
    parent = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    response = client.post(
        reverse("comments:reply", args=[parent.pk]),
        {"body": "Done.", "reply_to": parent.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Done." in response.text
    assert f'id="reply-{parent.pk}"' not in response.text


# --- Flags -----------------------------------------------------------------------


def test_no_flag_on_ones_own_comment(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(reader)
    assert reverse("comments:flag", args=[comment.pk]) not in client.get(thread_url(chapter)).text
    for method in (client.get, client.post):
        response = method(reverse("comments:flag", args=[comment.pk]), {"kind": "spam"})
        assert response.status_code == 403
        assert "This is your own comment" in response.text
    assert not Flag.objects.exists()


def test_flag_with_a_preset_reason_then_already_flagged(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    url = reverse("comments:flag", args=[comment.pk])
    page = client.get(url).text
    for kind in ("spam", "abusive", "off-topic", "other"):
        assert f'type="radio" name="kind" value="{kind}"' in page
    assert client.post(url, {"kind": "spam"}).status_code == 302
    flag = Flag.objects.get()
    assert (flag.kind, flag.reason) == ("spam", "")
    again = client.get(url)
    assert again.status_code == 200
    assert "You have already flagged this comment" in again.text
    assert 'name="kind"' not in again.text
    assert "You have already flagged" in client.post(url, {"kind": "abusive"}).text
    assert Flag.objects.count() == 1


def test_something_else_needs_words_and_a_bad_kind_is_refused(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(UserFactory())
    url = reverse("comments:flag", args=[comment.pk])
    response = client.post(url, {"kind": "other"})
    assert response.status_code == 400
    assert "Reason is empty." in response.text
    assert client.post(url, {}).status_code == 400
    assert client.post(url, {"kind": "bogus"}).status_code == 400
    assert not Flag.objects.exists()
    assert (
        client.post(url, {"kind": "other", "reason": "Quotes a private letter"}).status_code == 302
    )
    assert Flag.objects.get().kind == "other"


def test_the_moderation_queue_names_the_kind_of_flag(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    flagger = UserFactory(username="flagger")
    client.force_login(flagger)
    client.post(reverse("comments:flag", args=[comment.pk]), {"kind": "off-topic"})
    client.force_login(editor)
    page = client.get(reverse("comments:moderation", args=[chapter.book.slug])).text
    assert "Flagged by flagger (Off-topic)" in page


# --- Someone else's comment, deleting ---------------------------------------------


def test_editing_someone_elses_comment_says_it_is_not_theirs(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    client.force_login(editor)
    response = client.get(reverse("comments:edit", args=[comment.pk]))
    assert response.status_code == 403
    assert "This comment is not yours" in response.text
    assert "This page is for the book's editors" not in response.text
    client.force_login(reader)
    assert client.get(reverse("comments:edit", args=[comment.pk])).status_code == 200


def test_deleting_asks_first_without_javascript(client, chapter, reader):
    comment = comment_make(chapter=chapter, author=reader, body="Second thoughts")
    url = reverse("comments:delete", args=[comment.pk])
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    client.force_login(reader)
    thread = client.get(thread_url(chapter)).text
    assert f'<form method="get" action="{url}" hx-post="{url}"' in thread
    page = client.get(url)
    assert page.status_code == 200
    assert "Delete your comment?" in page.text and "Second thoughts" in page.text
    comment.refresh_from_db()
    assert not comment.is_deleted
    assert client.post(url).status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted


# --- Editors' badge, suggestion wording ------------------------------------------


def test_replies_by_the_books_editors_carry_a_badge(client, chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    comment_reply(user=editor, parent=comment, body="From the editor.")
    page = client.get(thread_url(chapter)).text
    assert page.count('class="badge badge--editor"') == 1
    assert f'href="/accounts/u/{editor.username}/">{editor.username}</a><span class="badge' in page


def test_a_suggestion_reads_as_the_new_wording_with_phrases_marked():
    html = phrase_diff(
        "Suggestions are best kept short and to the point.",
        "Keep suggestions short and to the point.",
    )
    assert html == (
        '<del><span class="visually-hidden">removed: </span>Suggestions are best kept</del> '
        '<ins><span class="visually-hidden">added: </span>Keep suggestions</ins>'
        " short and to the point."
    )
    # Insertions around a kept word stay apart; text is escaped.
    assert phrase_diff("the <mat>", "the red <mat>") == (
        'the <ins><span class="visually-hidden">added: </span>red</ins> &lt;mat&gt;'
    )


# --- The passage chosen before logging in; passages of a chapter -------------------


def test_a_passage_chosen_before_logging_in_fills_the_form_after(client, chapter, reader):
    client.force_login(reader)
    page = client.get(
        thread_url(chapter), {"quote": "sets the scene", "quote_prefix": "The opening paragraph "}
    ).text
    assert 'name="quote" id="id_quote-' in page and 'value="sets the scene"' in page
    assert 'value="The opening paragraph "' in page
    assert '<details class="comment-form__more" open>' in page


def test_passages_of_a_chapter_for_highlighting(client, chapter, reader, editor):
    comment_make(chapter=chapter, author=reader, quote="sets the scene")
    hidden = comment_make(chapter=chapter, author=reader, quote="opening paragraph")
    comment_moderate(user=editor, comment=hidden, action="hide", reason="Off topic")
    comment_make(chapter=chapter, author=reader, body="No passage")
    url = reverse("comments:passages", args=[chapter.book.slug, chapter.slug])
    passages = json.loads(client.get(url).content)["passages"]
    pid = chapter.current_revision.blocks.get(position=2).pid
    assert passages == [{"pid": pid, "exact": "sets the scene", "prefix": "The opening paragraph "}]
    client.force_login(editor)
    assert len(json.loads(client.get(url).content)["passages"]) == 2
    page = client.get(chapter.get_absolute_url()).text
    assert f'data-passages="{url}"' in page


def test_passages_of_a_draft_chapter_are_not_shown_to_readers(client, book, editor, reader):
    draft = chapter_make(
        book=book, text="# Draft\n\nSecret words.", slug="draft", status=Chapter.Status.DRAFT
    )
    url = reverse("comments:passages", args=[book.slug, draft.slug])
    client.force_login(reader)
    assert client.get(url).status_code == 404
    client.force_login(editor)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ["flag", "edit", "delete"])
def test_these_pages_need_an_account(client, chapter, reader, name):
    comment = comment_make(chapter=chapter, author=reader)
    response = client.get(reverse(f"comments:{name}", args=[comment.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
