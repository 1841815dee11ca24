"""The feedback queue kept per editor in the shared cache: served again without
counting the queue, made again after every write that changes it, with a fresh
CSRF token each time and never another person's page."""

import gzip
import re

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.decisions import comments_decide
from comments.revising import chapter_revise
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

QUEUE = reverse("comments:feedback")


def comment_queries(client, url=QUEUE) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get(url)
    assert page.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries if "comments_comment" in q["sql"]]
    return page.content.decode(), sql


def test_the_queue_is_kept_and_made_again_after_a_write(
    client, chapter, reader, editor, after_commit
):
    with after_commit():
        first = comment_make(chapter=chapter, author=reader, body="First remark.")
    client.force_login(editor)
    page, sql = comment_queries(client)
    assert "First remark." in page and sql
    page, sql = comment_queries(client)
    assert "First remark." in page and sql == []

    with after_commit():
        comment_make(chapter=chapter, author=reader, body="Second remark.", position=4)
    page, sql = comment_queries(client)
    assert "Second remark." in page and sql

    with after_commit():
        comments_decide(user=editor, comments=[first], decision="accepted")
    page, _sql = comment_queries(client)
    assert "First remark." not in page


def test_a_new_revision_moves_the_queue(client, chapter, reader, editor, after_commit):
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="On the opening.", position=2)
    client.force_login(editor)
    comment_queries(client)
    assert comment_queries(client)[1] == []
    with after_commit():
        chapter_revise(
            chapter=chapter, text="# First steps\n\nAll new words.\n", editor=editor, message="m"
        )
    _page, sql = comment_queries(client)
    assert sql


def test_each_answer_has_a_working_token_and_no_slot(chapter, reader, editor, after_commit):
    with after_commit():
        item = comment_make(chapter=chapter, author=reader, body="Decide me.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    pages = [client.get(QUEUE).content.decode() for _ in range(2)]
    for page in pages:
        assert "\x00" not in page
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', pages[1]).group(1)
    response = client.post(
        reverse("comments:decide"),
        {"csrfmiddlewaretoken": token, "one": f"accept:{item.pk}"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == "accepted"
    # The message after the decision is shown, and that page is not kept.
    page = client.get(response.url).content.decode()
    assert "accepted" in page.lower()
    assert "\x00" not in page


def test_an_editor_never_gets_another_editors_queue(client, chapter, reader, editor, after_commit):
    other = UserFactory(username="other-editor")
    elsewhere = chapter_make(
        book=BookFactory(slug="elsewhere", editors=[other]), text="# Else\n\nText here.\n"
    )
    with after_commit():
        comment_make(chapter=chapter, author=reader, body="For the first editor.")
        comment_make(chapter=elsewhere, author=reader, body="For the other editor.")
    client.force_login(editor)
    assert "For the first editor." in client.get(QUEUE).content.decode()
    client.force_login(other)
    page = client.get(QUEUE).content.decode()
    assert "For the other editor." in page and "For the first editor." not in page
    client.force_login(reader)
    assert "For the first editor." not in client.get(QUEUE).content.decode()


def test_a_gzipped_answer_is_the_same_page_with_its_own_token(
    chapter, reader, editor, after_commit
):
    """The kept pieces are joined around a token compressed on its own: the page
    reads the same as unzipped, every slot filled, a token that works."""
    with after_commit():
        item = comment_make(chapter=chapter, author=reader, body="Decide me, gzipped.")
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor)
    plain = client.get(QUEUE).content.decode()
    answers = [client.get(QUEUE, HTTP_ACCEPT_ENCODING="gzip, br") for _ in range(2)]
    pages = []
    for answer in answers:
        assert answer["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in answer["Vary"]
        pages.append(gzip.decompress(answer.content).decode())
    tokens = [re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page) for page in pages]
    assert len(set(tokens[0])) == 1 and len(tokens[0]) > 2 and tokens[0][0] != tokens[1][0]
    plain_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', plain).group(1)
    same = {page.replace(found[0], "T") for page, found in zip(pages, tokens, strict=True)}
    assert same == {plain.replace(plain_token, "T")}
    response = client.post(
        reverse("comments:decide"),
        {"csrfmiddlewaretoken": tokens[1][0], "one": f"accept:{item.pk}"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.decision == "accepted"
