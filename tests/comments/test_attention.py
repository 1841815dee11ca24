"""The header's counts for editors: open feedback and comments to moderate, kept in
the shared cache and counted again after every write that changes them."""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from comments.decisions import comments_decide
from comments.models import Comment
from comments.services import comment_moderate, flag_create
from tests.factories import BookFactory, UserFactory, comment_make


def header_of(client, url="/") -> str:
    page = client.get(url).text
    return re.search(r"<header.*?</header>", page, flags=re.S).group(0)


def feedback_count(header: str) -> str | None:
    found = re.search(r'href="/feedback/">Feedback(?: <span class="nav-count">(\d+))?', header)
    assert found, header
    return found.group(1)


def counting_queries(queries) -> list[str]:
    return [q["sql"] for q in queries if "COUNT(" in q["sql"] and "comments_comment" in q["sql"]]


def test_editors_see_their_open_feedback_and_readers_see_nothing(
    client, chapter, reader, editor, staff, after_commit
):
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="One")
        comment_make(chapter=chapter, author=reader, body="Two", position=4)
    client.force_login(reader)
    assert "/feedback/" not in header_of(client)
    other = UserFactory(username="elsewhere")
    BookFactory(slug="other-book", editors=[other])
    client.force_login(other)
    assert feedback_count(header_of(client)) is None
    for person in (editor, staff):
        client.force_login(person)
        assert feedback_count(header_of(client)) == "2"


def test_the_count_is_kept_and_moves_with_every_write(
    client, chapter, reader, editor, after_commit
):
    with after_commit():
        first = comment_make(chapter=chapter, author=reader, body="One")
    client.force_login(editor)
    assert feedback_count(header_of(client)) == "1"
    with CaptureQueriesContext(connection) as queries:
        assert feedback_count(header_of(client)) == "1"
    assert counting_queries(queries.captured_queries) == []

    with after_commit():
        second = comment_make(chapter=chapter, author=reader, body="Two", position=4)
    assert feedback_count(header_of(client)) == "2"
    with after_commit():
        comments_decide(user=editor, comments=[first], decision="accepted")
    assert feedback_count(header_of(client)) == "1"
    with after_commit():
        comments_decide(user=editor, comments=[second], decision="declined")
    assert feedback_count(header_of(client)) is None


def test_moderation_counts_pending_and_flagged(client, chapter, reader, editor, after_commit):
    with after_commit():
        comment = comment_make(chapter=chapter, author=reader, body="Flag me")
    client.force_login(editor)
    assert "Moderation" not in header_of(client)
    with after_commit():
        flag_create(user=UserFactory(), comment=comment, reason="Rude")
    header = header_of(client)
    assert f'href="/b/{chapter.book.slug}/moderation/">Moderation <span class="nav-count">1' in (
        header
    )
    with after_commit():
        comment_moderate(user=editor, comment=comment, action="approve")
    assert "Moderation" not in header_of(client)
    with after_commit():
        Comment.objects.filter(pk=comment.pk).update(moderation=Comment.Moderation.PENDING)
        from wethink import pagecache

        pagecache.chapter_changed(chapter)
    assert "Moderation <span" in header_of(client)


def test_becoming_an_editor_shows_the_count_at_once(client, chapter, reader, after_commit):
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="One")
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    assert "/feedback/" not in header_of(client)
    with after_commit():
        chapter.book.editors.add(newcomer)
    assert feedback_count(header_of(client)) == "1"


def test_an_editors_chapter_page_shows_the_count_after_a_new_comment(
    client, chapter, reader, editor, after_commit
):
    """The signed-in chapter page keeps its frame (the header) per person: for an
    editor it is made again when the feedback changes."""
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="One")
    client.force_login(editor)
    url = chapter.get_absolute_url()
    assert feedback_count(header_of(client, url)) == "1"
    assert feedback_count(header_of(client, url)) == "1"
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="Two", position=4)
    assert feedback_count(header_of(client, url)) == "2"
