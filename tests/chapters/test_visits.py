"""Since your last visit: recorded cheaply, compared with the visit before today."""

from datetime import timedelta

import pytest
from django.utils import timezone

from chapters.models import ChapterVisit
from comments.decisions import comments_decide
from comments.revising import chapter_revise
from comments.services import comment_reply
from pages.visits import visit_record
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, chapter_make, comment_make


def visit_url(chapter):
    return f"{chapter.get_absolute_url()}visit/"


def yesterday(user, chapter):
    """The reader's visit was a day ago."""
    ChapterVisit.objects.filter(user=user, chapter=chapter).update(
        seen_at=timezone.now() - timedelta(days=1)
    )


def test_a_visit_is_written_once_a_day_and_per_new_revision(
    reader, chapter, editor, django_assert_num_queries
):
    with django_assert_num_queries(2):  # read, insert
        visit_record(user=reader, chapter=chapter)
    with django_assert_num_queries(1):  # read only
        visit_record(user=reader, chapter=chapter)
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nMore.\n", editor=editor, message="m")
    chapter.refresh_from_db()
    with django_assert_num_queries(2):  # read, update to the new revision
        visit_record(user=reader, chapter=chapter)
    visit = ChapterVisit.objects.get(user=reader, chapter=chapter)
    assert (visit.revision, visit.since_revision) == (2, 1)


def test_the_notice_marks_paragraphs_changed_since_the_visit_before_today(
    client, reader, chapter, editor
):
    client.force_login(reader)
    first = client.post(visit_url(chapter))
    assert first.status_code == 200
    assert first.text.strip() == ""  # a first visit: nothing to tell
    yesterday(reader, chapter)
    text = CHAPTER_TEXT.replace("sets the scene", "sets a different scene")
    chapter_revise(chapter=chapter, text=text, editor=editor, message="Reworded")
    chapter.refresh_from_db()
    pid = chapter.current_revision.blocks.get(position=2).pid
    page = client.post(visit_url(chapter)).text
    assert "Since your last visit" in page
    assert f'data-since-pids="{pid}"' in page
    assert f"/diff/1/2/#p-{pid}" in page
    assert "Paragraph 2, edited" in page
    # The same day, the page still tells it (the baseline stays the visit before today).
    assert f'data-since-pids="{pid}"' in client.post(visit_url(chapter)).text
    # The next day, revision 2 is what they last saw.
    yesterday(reader, chapter)
    assert "data-since-pids" not in client.post(visit_url(chapter)).text


def test_the_notice_lists_the_readers_comments_answered_or_decided(client, reader, chapter, editor):
    mine = comment_make(chapter=chapter, author=reader, body="Is this the right scene?")
    quiet = comment_make(chapter=chapter, author=reader, body="Nobody answers this one.")
    client.force_login(reader)
    client.post(visit_url(chapter))
    yesterday(reader, chapter)
    comment_reply(user=editor, parent=mine, body="Yes, it is.")
    comment_reply(user=reader, parent=quiet, body="Answering myself does not count.")
    page = client.post(visit_url(chapter)).text
    assert "right scene" in page and "new replies" in page
    assert "Nobody answers" not in page
    comments_decide(user=editor, comments=[quiet], decision="accepted")
    page = client.post(visit_url(chapter)).text
    assert "Nobody answers" in page and "decision: accepted" in page


def test_a_reply_hidden_by_moderation_is_not_news(client, reader, chapter, editor):
    from comments.models import Comment

    mine = comment_make(chapter=chapter, author=reader, body="Is this the right scene?")
    client.force_login(reader)
    client.post(visit_url(chapter))
    yesterday(reader, chapter)
    reply = comment_reply(user=editor, parent=mine, body="Hidden later.")
    Comment.objects.filter(pk=reply.pk).update(moderation=Comment.Moderation.HIDDEN)
    assert "right scene" not in client.post(visit_url(chapter)).text


def test_the_visit_needs_a_signed_in_reader_who_may_read_the_chapter(
    client, reader, chapter, book, editor
):
    assert client.post(visit_url(chapter)).status_code == 302  # to the login page
    assert not ChapterVisit.objects.exists()
    client.force_login(reader)
    assert client.get(visit_url(chapter)).status_code == 405
    draft = chapter_make(book=book, text=CHAPTER_TEXT, slug="draft", editor=editor, status="draft")
    assert client.post(visit_url(draft)).status_code == 404
    assert client.post(visit_url(chapter)).status_code == 200


def test_the_chapter_page_asks_for_the_notice_only_on_the_current_text(client, reader, chapter):
    client.force_login(reader)
    assert f'data-visit="{visit_url(chapter)}"' in client.get(chapter.get_absolute_url()).text


def test_the_contents_show_chapters_changed_since_the_last_visit(
    client, reader, chapter, editor, django_assert_max_num_queries
):
    client.force_login(reader)
    client.post(visit_url(chapter))
    assert "changed since your last visit" not in client.get(chapter.book.get_absolute_url()).text
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nMore.\n", editor=editor, message="m")
    assert "changed since your last visit" in client.get(chapter.book.get_absolute_url()).text
    client.post(visit_url(chapter))
    assert "changed since your last visit" not in client.get(chapter.book.get_absolute_url()).text


@pytest.mark.parametrize("chapters", [1, 30])
def test_the_visit_costs_the_same_however_much_changed(
    client, book, editor, chapters, settings, django_assert_max_num_queries
):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000
    reader = UserFactory(username="counted")
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="counted", editor=editor)
    notes = [
        comment_make(chapter=chapter, author=reader, body=f"Note {n}.") for n in range(chapters)
    ]
    client.force_login(reader)
    client.post(visit_url(chapter))
    yesterday(reader, chapter)
    comments_decide(user=editor, comments=notes, decision="accepted")
    text = "\n\n".join(f"Paragraph {n} rewritten." for n in range(chapters * 5))
    chapter_revise(chapter=chapter, text=text, editor=editor, message="All new")
    with django_assert_max_num_queries(11):
        assert client.post(visit_url(chapter)).status_code == 200
