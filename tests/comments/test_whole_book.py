"""Comments on the book as a whole (its discussion): their own page linked from the
contents, with replies, votes, flags, moderation, the queue's decisions, feeds,
recent changes, the inbox, search, backups and the annotations API; no chapter,
no revision, so no quote or suggestion and nothing a revision can move."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import token_create
from chapters.models import Book
from comments.models import WHOLE_BOOK, WHOLE_CHAPTER, Comment
from comments.revising import chapter_revise
from comments.services import comment_create, comment_create_on_book, comment_reply
from jobs.backup import BackupError, backup_restore, book_backup
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def discussion_url(book) -> str:
    return reverse("comments:discussion", kwargs={"book": book.slug})


def test_a_reader_starts_the_discussion_from_the_contents(client, chapter, reader):
    book = chapter.book
    contents = client.get(book.get_absolute_url()).text
    assert 'id="discussion"' in contents and "Start the discussion" in contents

    page = client.get(discussion_url(book))
    assert page.status_code == 200
    assert "Comments on the book as a whole" in page.text
    assert "No comments on the book as a whole yet." in page.text
    assert "Log in to comment" in page.text

    client.force_login(reader)
    form = client.get(discussion_url(book)).text
    assert 'name="quote"' not in form and 'name="suggestion"' not in form
    response = client.post(discussion_url(book), {"body": "The chapters need a thread."})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.chapter, comment.revision, comment.pid) == (None, None, WHOLE_BOOK)
    assert response["Location"] == f"{discussion_url(book)}#c{comment.pk}"

    client.logout()
    contents = client.get(book.get_absolute_url()).text
    assert "1 comment on the book as a whole." in contents and "Read the discussion" in contents
    assert "The chapters need a thread." in client.get(discussion_url(book)).text
    # It belongs to no chapter: the chapter's own counts do not show it.
    assert "The chapters need a thread." not in client.get(chapter.get_absolute_url()).text


def test_bad_input_is_refused_and_nothing_is_written(client, book, reader):
    client.force_login(reader)
    for data in (
        {"body": ""},
        {"body": "Hm.", "quote": "some words"},
        {"body": "Hm.", "suggestion": "Other words"},
    ):
        response = client.post(discussion_url(book), data)
        assert response.status_code == 400, data
    assert not Comment.objects.exists()
    with pytest.raises(IntegrityError), transaction.atomic():
        # The database holds the rule too: no chapter means no revision and pid "book".
        Comment.objects.create(book=book, pid="abcdef", origin_pid="x", author=reader, body="x")


def test_a_form_sent_twice_posts_once(client, book, reader):
    client.force_login(reader)
    token = "t" * 32
    for _ in range(2):
        client.post(discussion_url(book), {"body": "Once.", "form_token": token})
    assert Comment.objects.filter(body="Once.").count() == 1


def test_who_may_read_and_post(client, book, reader, editor):
    comment_create_on_book(user=reader, book=book, body="On the whole.")
    book.status = Book.Status.DRAFT
    book.save()
    assert client.get(discussion_url(book)).status_code == 404
    assert not Comment.objects.visible_to(reader).filter(book=book, body="On the whole.").exists()
    client.force_login(reader)
    assert client.get(discussion_url(book)).status_code == 404
    assert client.post(discussion_url(book), {"body": "Again."}).status_code == 404
    client.force_login(editor)
    assert "On the whole." in client.get(discussion_url(book)).text

    book.status = Book.Status.CLOSED
    book.save()
    client.force_login(reader)
    page = client.get(discussion_url(book)).text
    assert "This book is closed for comments." in page and "On the whole." in page
    assert client.post(discussion_url(book), {"body": "Late."}).status_code == 403
    assert not Comment.objects.filter(body="Late.").exists()


def test_the_books_closing_date_closes_it(client, book, reader):
    book.comments_close_at = timezone.now() - timedelta(days=1)
    book.save()
    client.force_login(reader)
    assert client.post(discussion_url(book), {"body": "Late."}).status_code == 403
    book.comments_close_at = timezone.now() + timedelta(days=3)
    book.save()
    page = client.get(discussion_url(book)).text
    assert "Open for comments until" in page
    assert client.post(discussion_url(book), {"body": "In time."}).status_code == 302


def test_replies_votes_flags_and_moderation(
    client, book, reader, editor, django_capture_on_commit_callbacks
):
    comment = comment_create_on_book(user=reader, book=book, body="On the whole.")
    voter = UserFactory(username="voter")
    client.force_login(voter)
    assert (
        client.post(reverse("comments:vote", args=[comment.pk]), {"voted": "1"}).status_code == 302
    )
    comment.refresh_from_db()
    assert comment.vote_count == 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("comments:reply", args=[comment.pk]), {"body": "Agreed, all of it."}
        )
    assert response["Location"].startswith(discussion_url(book))
    reply = Comment.objects.get(body="Agreed, all of it.")
    assert (reply.chapter, reply.pid, reply.parent) == (None, WHOLE_BOOK, comment)
    assert len(mail.outbox) == 1 and "as a whole" in mail.outbox[0].body

    flagged = client.post(reverse("comments:flag", args=[comment.pk]), {"kind": "spam"})
    assert flagged.status_code == 302
    client.force_login(editor)
    moderation = client.get(reverse("comments:moderation", kwargs={"book": book.slug})).text
    assert "On the whole." in moderation and book.title in moderation
    client.post(
        reverse("comments:moderate", args=[comment.pk]), {"action": "hide", "reason": "Off."}
    )
    client.logout()
    assert "On the whole." not in client.get(discussion_url(book)).text
    client.force_login(reader)
    assert "On the whole." in client.get(discussion_url(book)).text


def test_the_author_edits_and_deletes_it(client, book, reader):
    comment = comment_create_on_book(user=reader, book=book, body="First thought.")
    client.force_login(reader)
    edit = reverse("comments:edit", args=[comment.pk])
    assert client.get(edit).status_code == 200
    assert client.post(edit, {"body": "Second thought."}).status_code == 302
    comment.refresh_from_db()
    assert comment.body == "Second thought." and comment.edits.count() == 1
    delete = reverse("comments:delete", args=[comment.pk])
    assert "Delete your comment?" in client.get(delete).text
    assert client.post(delete).status_code == 302
    comment.refresh_from_db()
    assert comment.is_deleted


def test_an_edit_cannot_give_it_suggested_wording(client, chapter, reader):
    """Only a comment on a paragraph suggests wording: an edit of one on the book or
    the chapter as a whole, or of a reply, cannot add one through the edit page."""
    on_book = comment_create_on_book(user=reader, book=chapter.book, body="Overall.")
    on_chapter = comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="Whole.")
    reply = comment_reply(user=reader, parent=on_chapter, body="And more.")
    client.force_login(reader)
    for comment in (on_book, on_chapter, reply):
        edit = reverse("comments:edit", args=[comment.pk])
        assert 'name="suggestion"' not in client.get(edit).text
        response = client.post(edit, {"body": "Changed.", "suggestion": "New words."})
        assert response.status_code == 400
        assert "Only a comment on a paragraph can suggest wording" in response.text
        comment.refresh_from_db()
        assert (comment.body, comment.suggestion) != ("Changed.", "New words.")
        assert not comment.edits.exists()

    pid = chapter.current_revision.blocks.first().pid
    on_paragraph = comment_create(user=reader, chapter=chapter, pid=pid, body="Here.")
    edit = reverse("comments:edit", args=[on_paragraph.pk])
    assert 'name="suggestion"' in client.get(edit).text
    assert client.post(edit, {"body": "Here.", "suggestion": "New words."}).status_code == 302
    on_paragraph.refresh_from_db()
    assert on_paragraph.suggestion == "New words."


def test_the_queue_decides_it_and_offers_no_fold(
    client, chapter, reader, editor, django_capture_on_commit_callbacks
):
    book = chapter.book
    comment = comment_create_on_book(user=reader, book=book, body="About the whole book.")
    comment_create(user=reader, chapter=chapter, pid=WHOLE_CHAPTER, body="On the chapter.")
    client.force_login(editor)
    queue = client.get(reverse("comments:feedback") + "?sort=reading").text
    assert "About the whole book." in queue and "the book as a whole" in queue
    # In reading order it comes before the chapters' comments.
    assert queue.index("About the whole book.") < queue.index("On the chapter.")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("comments:decide"), {"one": f"accept:{comment.pk}", "next": "/feedback/"}
        )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.decision == "accepted"
    accepted = client.get(reverse("comments:feedback") + "?state=accepted").text
    assert "About the whole book." in accepted
    assert "Fold into the chapter" not in accepted
    assert any("accepted" in message.body for message in mail.outbox)
    # The contents' feedback bars count chapters' comments only.
    contents = client.get(book.get_absolute_url()).text
    assert "1 comment on the book as a whole." in contents


def test_the_queue_survives_one_marked_orphaned(client, book, reader, editor):
    """Were one ever marked orphaned (by hand in the database), the queue's list of
    comments on removed text still answers, with no chapter to look for blocks in."""
    comment = comment_create_on_book(user=reader, book=book, body="Overall.")
    Comment.objects.filter(pk=comment.pk).update(anchor_state="orphaned")
    client.force_login(editor)
    response = client.get(reverse("comments:feedback"), {"anchor": "orphaned"})
    assert response.status_code == 200 and "Overall." in response.text


def test_a_revision_never_moves_it(book, chapter, reader, editor):
    comment = comment_create_on_book(user=reader, book=book, body="Overall.")
    chapter_revise(chapter=chapter, text="# New\n\nAll new text.\n", editor=editor, message="m")
    comment.refresh_from_db()
    assert (comment.chapter_id, comment.pid, comment.anchor_state) == (None, WHOLE_BOOK, "current")


def test_feeds_recent_changes_search_inbox_and_profile(client, chapter, reader, editor):
    book = chapter.book
    comment = comment_create_on_book(user=reader, book=book, body="Overall, persuasive.")
    comment_reply(user=editor, parent=comment, body="Noted, thanks.")
    feed = client.get(reverse("comments:book_feed", kwargs={"book": book.slug})).text
    assert "Overall, persuasive." in feed and discussion_url(book) in feed
    chapter_feed = client.get(
        reverse("comments:chapter_feed", kwargs={"book": book.slug, "chapter": chapter.slug})
    ).text
    assert "Overall, persuasive." not in chapter_feed
    changes = client.get(reverse("comments:recent_changes", kwargs={"book": book.slug})).text
    assert f"{reader.username} on “{book.title}”" in changes
    changes_feed = client.get(
        reverse("comments:recent_changes_feed", kwargs={"book": book.slug})
    ).text
    assert "Overall, persuasive." in changes_feed
    search = client.get(
        reverse("chapters:book_search", kwargs={"book": book.slug}) + "?q=persuasive"
    )
    assert discussion_url(book) in search.text
    profile = client.get(reverse("accounts:profile", kwargs={"username": reader.username})).text
    assert "the book as a whole" in profile
    client.force_login(reader)
    inbox = client.get(reverse("notices:inbox")).text
    assert "Noted, thanks." in inbox and f"on “{book.title}”" in inbox


def test_the_annotations_api_targets_the_book(book, reader):
    comment = comment_create_on_book(user=reader, book=book, body="Overall.")
    url = reverse("comments:api_book_annotations", kwargs={"book": book.slug})
    client = Client()
    listed = client.get(url + "?page=1", HTTP_ACCEPT="application/ld+json").json()
    item = next(i for i in listed["items"] if i["id"].endswith(f"/{comment.pk}/"))
    assert item["target"] == f"http://testserver{book.get_absolute_url()}"
    assert item["wethink:pid"] == WHOLE_BOOK and "wethink:chapter" not in item

    key = token_create(user=reader)
    auth = {"HTTP_AUTHORIZATION": f"Token {key}"}
    for target in (
        f"http://testserver{book.get_absolute_url()}",
        {"source": f"http://testserver{book.get_absolute_url()}"},
    ):
        data = {
            "@context": "http://www.w3.org/ns/anno.jsonld",
            "type": "Annotation",
            "body": {"type": "TextualBody", "value": f"Also overall {type(target).__name__}."},
            "target": target,
        }
        response = client.post(url, json.dumps(data), content_type="application/ld+json", **auth)
        assert response.status_code == 201, response.content
    made = Comment.objects.filter(body__startswith="Also overall")
    assert made.count() == 2 and {c.pid for c in made} == {WHOLE_BOOK}

    # Its text is replaced with the same target; another target is refused.
    one = made.first()
    annotation = reverse("comments:api_annotation", kwargs={"book": book.slug, "pk": one.pk})
    etag = client.get(annotation, **auth)["ETag"]
    data = {
        "type": "Annotation",
        "body": {"type": "TextualBody", "value": "Changed."},
        "target": f"http://testserver{book.get_absolute_url()}",
    }
    response = client.put(
        annotation, json.dumps(data), content_type="application/ld+json", HTTP_IF_MATCH=etag, **auth
    )
    assert response.status_code == 200, response.content
    one.refresh_from_db()
    assert one.body == "Changed."


def test_a_backup_keeps_it(book, reader, editor):
    comment = comment_create_on_book(user=reader, book=book, body="Overall.")
    comment_reply(user=editor, parent=comment, body="Yes.")
    data = book_backup(book=book)
    saved = [c for c in data["comments"] if c["chapter"] is None]
    assert [(c["pid"], c["revision"]) for c in saved] == [(WHOLE_BOOK, None)] * 2
    Book.objects.all().delete()
    restored = backup_restore(data=data, map_existing_users=True)
    on_book = Comment.objects.filter(book=restored, chapter__isnull=True).order_by("pk")
    assert [c.body for c in on_book] == ["Overall.", "Yes."]
    assert on_book[1].parent == on_book[0]

    broken = json.loads(json.dumps(data))
    broken["comments"][0]["pid"] = "abcdef"
    Book.objects.all().delete()
    with pytest.raises(BackupError, match="as a whole"):
        backup_restore(data=broken, map_existing_users=True)
    assert not Book.objects.exists()

    # Nothing a revision could move or fold: a backup claiming so is refused whole.
    for key, value in (
        ("anchor_state", "orphaned"),
        ("decision", "incorporated"),
        ("suggestion", "Other words."),
        ("quote_exact", "some words"),
    ):
        broken = json.loads(json.dumps(data))
        broken["comments"][0][key] = value
        with pytest.raises(BackupError, match="never folded"):
            backup_restore(data=broken, map_existing_users=True)
        assert not Book.objects.exists(), key
