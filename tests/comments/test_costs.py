"""What the first view of a chapter after a write and a posted comment cost in
queries: counts and the list of comments on removed text from one aggregate, and
no row a service has just read is read again to validate a new comment."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chapters.models import Chapter
from comments.models import Comment
from comments.selectors import chapter_counts
from comments.services import comment_create, comment_edit, comment_reply
from tests.factories import UserFactory, comment_make, quotation_removed
from wethink import pagecache

pytestmark = pytest.mark.django_db


def pid_at(chapter, position: int) -> str:
    return chapter.current_revision.blocks.get(position=position).pid


def sql_of(captured) -> list[str]:
    return [query["sql"] for query in captured.captured_queries]


def hidden(comment: Comment) -> Comment:
    comment.moderation = Comment.Moderation.HIDDEN
    comment.save(update_fields=["moderation"])
    return comment


@pytest.fixture
def scene(chapter, reader, editor):
    """On block 2: two visible comments, a reply, a removed one and one hidden by a
    moderator. On the quotation (block 7), later removed: a comment and its reply,
    and a hidden comment."""
    other = UserFactory(username="other")
    first = comment_make(chapter=chapter, author=reader, body="Visible one")
    comment_make(chapter=chapter, author=other, body="Visible two")
    comment_reply(user=other, parent=first, body="A reply")
    gone = comment_make(chapter=chapter, author=other, body="Removed by its author")
    gone.deleted_at = gone.created_at
    gone.save(update_fields=["deleted_at"])
    hidden(comment_make(chapter=chapter, author=other, body="Hidden"))
    quoted = comment_make(chapter=chapter, author=reader, position=7, body="On the quotation")
    comment_reply(user=other, parent=quoted, body="Agreed")
    hidden(comment_make(chapter=chapter, author=other, position=7, body="Hidden too"))
    block_pid = pid_at(chapter, 2)
    quotation_removed(chapter, editor)
    return {"chapter": chapter, "reader": reader, "other": other, "pid": block_pid}


def test_counts_per_block_and_on_removed_text_as_each_person_may_see_them(scene, editor):
    from django.contrib.auth.models import AnonymousUser

    chapter, pid = scene["chapter"], scene["pid"]
    anonymous = chapter_counts(user=AnonymousUser(), chapter=chapter)
    assert anonymous.blocks[pid] == 3
    # The comment on removed text is listed under the chapter; its reply is not.
    assert anonymous.orphaned == 1
    hidden_ones = chapter_counts(user=scene["other"], chapter=chapter)
    assert (hidden_ones.blocks[pid], hidden_ones.orphaned) == (4, 2)
    assert chapter_counts(user=editor, chapter=chapter).orphaned == 2


def test_the_removed_text_list_is_read_only_when_there_is_one(
    client, chapter, reader, editor, django_capture_on_commit_callbacks
):
    comment_make(chapter=chapter, author=reader, body="On the opening")
    url = chapter.get_absolute_url()
    client.get(url)  # The revision's blocks built and kept.
    # Committed, as in production: the book's version moves, so each page below is
    # made whole (`pages.anonymous`), the blocks read from the shared cache.
    with django_capture_on_commit_callbacks(execute=True):
        pagecache.book_changed(chapter.book.slug)
    with CaptureQueriesContext(connection) as without:
        page = client.get(url).text
    assert "Comments on text that has been removed" not in page

    with django_capture_on_commit_callbacks(execute=True):
        comment_make(chapter=chapter, author=reader, position=7, body="About the quotation")
        quotation_removed(chapter, editor)
    with CaptureQueriesContext(connection) as with_one:
        page = client.get(url).text
    assert "About the quotation" in page
    # One query more than without: the list itself.
    assert len(with_one) == len(without) + 1
    listed = [sql for sql in sql_of(with_one) if "DESC" in sql and "'orphaned'" in sql]
    assert len(listed) == 1


def test_a_hidden_comment_on_removed_text_is_listed_for_its_author_only(
    client, chapter, reader, editor
):
    hidden(comment_make(chapter=chapter, author=reader, position=7, body="Held back"))
    quotation_removed(chapter, editor)
    url = chapter.get_absolute_url()
    assert "Held back" not in client.get(url).text
    client.force_login(UserFactory(username="someone"))
    assert "Held back" not in client.get(url).text
    client.force_login(reader)
    assert "Held back" in client.get(url).text


EXISTENCE_CHECK = 'SELECT 1 AS "a" FROM'


def test_posting_a_comment_validates_without_reading_its_rows_again(chapter, reader):
    pid = pid_at(chapter, 2)
    # As the page reads it.
    chapter = Chapter.objects.select_related("book", "current_revision").get(pk=chapter.pk)
    with CaptureQueriesContext(connection) as captured:
        comment_create(user=reader, chapter=chapter, pid=pid, body="Hello")
    assert not [sql for sql in sql_of(captured) if EXISTENCE_CHECK in sql]
    # The block, the account's lock and its count for the limit, the insert, and
    # the transaction's savepoints (the test runs inside a transaction).
    assert len(captured) <= 8, "\n".join(sql_of(captured))


def test_a_reply_and_an_edit_validate_without_reading_their_rows_again(chapter, reader):
    parent = comment_make(chapter=chapter, author=reader, body="First")
    other = UserFactory(username="replier")
    with CaptureQueriesContext(connection) as replying:
        reply = comment_reply(user=other, parent=parent, body="Second")
    with CaptureQueriesContext(connection) as editing:
        comment_edit(user=other, comment=reply, body="Second, reworded")
    for captured in (replying, editing):
        assert not [sql for sql in sql_of(captured) if EXISTENCE_CHECK in sql]
    reply.refresh_from_db()
    assert (reply.body, reply.parent_id, reply.depth) == ("Second, reworded", parent.pk, 1)


def test_a_comment_on_a_block_of_another_revision_is_still_refused(chapter, reader, editor):
    from django.core.exceptions import ValidationError

    old_pid = pid_at(chapter, 7)
    quotation_removed(chapter, editor)
    with pytest.raises(ValidationError):
        comment_create(user=reader, chapter=chapter, pid=old_pid, body="On what is gone")


def test_posting_through_the_page_costs_the_same_in_a_busy_chapter(client, chapter, reader):
    pid = pid_at(chapter, 2)
    url = reverse(
        "comments:thread",
        kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": pid},
    )
    client.force_login(reader)

    def post(body: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.post(url, {"body": body})
        assert response.status_code == 302
        return len(captured)

    # The first request of a session also reads what is then kept (the session, the user).
    post("First")
    few = post("Second")
    others = [UserFactory(username=f"busy{i}") for i in range(5)]
    for i in range(50):
        comment_make(chapter=chapter, author=others[i % 5], body=f"Busy {i}")
    assert post("Third") == few
