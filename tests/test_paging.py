"""Long lists are shown a page at a time: the moderation queue, a chapter's history
and the comments on removed text. Each page has Previous/Next and page numbers; a
number past the last page shows the last page, one that cannot be read is a 400."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from chapters.models import Book, Chapter, ChapterRevision
from comments.models import Comment, Flag
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, chapter_make, comment_row

pytestmark = pytest.mark.django_db


def chapter_url(name: str, chapter, **kw) -> str:
    return reverse(name, kwargs={"book": chapter.book.slug, "chapter": chapter.slug, **kw})


def orphans(chapter, readers, n: int, **kw) -> list[Comment]:
    block = chapter.current_revision.blocks.get(position=2)
    start = chapter.current_revision.created_at
    rows = [
        comment_row(
            chapter=chapter,
            block=block,
            author=readers[i % len(readers)],
            body=f"Orphan number {i}.",
            anchor_state=Comment.AnchorState.ORPHANED,
            created_at=start + timedelta(minutes=i),
            **kw,
        )
        for i in range(n)
    ]
    for row in rows:  # on a paragraph the chapter no longer has
        row.pid = row.origin_pid = "gone"
    return Comment.objects.bulk_create(rows)


def shown(text: str, word: str) -> set[int]:
    return {int(n) for n in re.findall(rf"{word} number (\d+)\.", text)}


# History


@pytest.fixture
def long_history(chapter, editor):
    start = chapter.current_revision.created_at
    ChapterRevision.objects.bulk_create(
        [
            ChapterRevision(
                chapter=chapter,
                number=n,
                title="First steps",
                text=CHAPTER_TEXT,
                editor=editor,
                message=f"Revision number {n}.",
                created_at=start + timedelta(minutes=n),
            )
            for n in range(2, 121)
        ]
    )
    Chapter.objects.filter(pk=chapter.pk).update(revision=120)
    chapter.refresh_from_db()
    return chapter


def test_history_shows_fifty_revisions_a_page_newest_first(client, long_history, editor):
    url = chapter_url("chapters:chapter_history", long_history)
    client.force_login(editor)
    first = client.get(url)
    assert first.status_code == 200
    assert shown(first.text, "Revision") == set(range(71, 121))
    assert "Revisions 120 to 71 of 120." in first.text
    assert 'href="?page=2" rel="next"' in first.text
    assert 'href="?page=3"' in first.text
    assert 'rel="prev"' not in first.text
    last = client.get(url, {"page": 3})
    assert shown(last.text, "Revision") == set(range(2, 21))
    assert 'href="?page=2" rel="prev"' in last.text
    assert 'rel="next"' not in last.text
    # Past the end is the last page; a page that cannot be read is refused.
    assert shown(client.get(url, {"page": 99}).text, "Revision") == set(range(2, 21))
    for bad in ("two", "0", "-1", "1e3"):
        assert client.get(url, {"page": bad}).status_code == 400


def test_restore_on_a_later_history_page_keeps_the_current_revision_as_its_base(
    client, long_history, editor, reader
):
    url = chapter_url("chapters:chapter_history", long_history)
    client.force_login(editor)
    page = client.get(url, {"page": 2}).text
    bases = re.findall(r'/restore/\d+/\?base=(\d+)"', page)
    assert len(bases) == 50
    assert set(bases) == {"120"}
    client.force_login(reader)
    assert "?base=" not in client.get(url, {"page": 2}).text


def test_a_short_history_has_no_pager(client, chapter):
    page = client.get(chapter_url("chapters:chapter_history", chapter))
    assert page.status_code == 200
    assert 'class="pager"' not in page.text


# Moderation


@pytest.fixture
def busy_queue(book, chapter, reader):
    Book.objects.filter(pk=book.pk).update(moderation=Book.Moderation.FIRST_COMMENT)
    readers = [UserFactory(username=f"newcomer{i}") for i in range(3)]
    block = chapter.current_revision.blocks.get(position=2)
    start = chapter.current_revision.created_at

    def row(i: int, **kw) -> Comment:
        return comment_row(
            chapter=chapter,
            block=block,
            author=readers[i % 3],
            body=f"Held number {i}.",
            created_at=start + timedelta(minutes=i),
            **kw,
        )

    Comment.objects.bulk_create([row(i, moderation=Comment.Moderation.PENDING) for i in range(30)])
    flagged, settled = Comment.objects.bulk_create([row(30), row(31)])
    Flag.objects.create(comment=flagged, user=reader, reason="Open complaint")
    Flag.objects.create(comment=settled, user=reader, reason="Settled complaint")
    Flag.objects.filter(comment=settled).update(resolved_at=start)
    return book


def test_moderation_shows_a_page_of_the_queue_and_how_much_waits(client, busy_queue, editor):
    url = reverse("comments:moderation", kwargs={"book": busy_queue.slug})
    client.force_login(editor)
    first = client.get(url)
    assert first.status_code == 200
    assert "30 comments awaiting approval · 1 flagged" in first.text
    assert shown(first.text, "Held") == set(range(25))
    assert 'href="?page=2" rel="next"' in first.text
    second = client.get(url, {"page": 2})
    assert shown(second.text, "Held") == {25, 26, 27, 28, 29, 30}
    assert "Open complaint" in second.text
    assert "Settled complaint" not in second.text
    assert shown(client.get(url, {"page": 7}).text, "Held") == shown(second.text, "Held")
    assert client.get(url, {"page": "x"}).status_code == 400


def test_moderating_from_a_later_page_comes_back_to_it(client, busy_queue, editor):
    held = Comment.objects.get(body="Held number 26.")
    client.force_login(editor)
    response = client.post(
        reverse("comments:moderate", kwargs={"pk": held.pk}),
        {"action": "approve", "next": "queue", "page": "2"},
    )
    queue = reverse("comments:moderation", kwargs={"book": busy_queue.slug})
    assert response.status_code == 302
    assert response.url == f"{queue}?page=2"
    held.refresh_from_db()
    assert held.moderation == Comment.Moderation.VISIBLE


def test_the_moderation_queue_is_for_editors(client, busy_queue, reader, staff):
    url = reverse("comments:moderation", kwargs={"book": busy_queue.slug})
    assert client.get(url).status_code == 302
    client.force_login(reader)
    assert client.get(url, {"page": 2}).status_code == 403
    client.force_login(staff)
    assert client.get(url, {"page": 2}).status_code == 200


def test_an_empty_queue_says_so(client, book, chapter, editor):
    client.force_login(editor)
    page = client.get(reverse("comments:moderation", kwargs={"book": book.slug}))
    assert "Nothing to moderate" in page.text
    assert 'class="pager"' not in page.text


# Comments on removed text


def test_the_chapter_shows_the_newest_comments_on_removed_text_and_links_to_all(
    client, chapter, reader, editor
):
    orphans(chapter, [reader, editor], 25)
    orphans(chapter, [editor], 1, moderation=Comment.Moderation.HIDDEN)
    client.force_login(reader)
    page = client.get(chapter.get_absolute_url())
    assert shown(page.text, "Orphan") == set(range(5, 25))
    everything = chapter_url("comments:removed_comments", chapter)
    assert f'href="{everything}"' in page.text
    first = client.get(everything)
    assert first.status_code == 200
    assert "25 comments" in first.text
    assert shown(first.text, "Orphan") == set(range(5, 25))
    second = client.get(everything, {"page": 2})
    assert shown(second.text, "Orphan") == set(range(5))
    assert 'href="?page=1" rel="prev"' in second.text
    # The hidden one is the editor's to see.
    client.force_login(editor)
    assert "26 comments" in client.get(everything).text


def test_a_few_comments_on_removed_text_need_no_second_page(client, chapter, reader):
    orphans(chapter, [reader], 3)
    client.force_login(reader)
    page = client.get(chapter.get_absolute_url())
    assert shown(page.text, "Orphan") == {0, 1, 2}
    assert chapter_url("comments:removed_comments", chapter) not in page.text


def test_the_removed_text_page_has_an_empty_state_and_keeps_drafts_hidden(
    client, book, chapter, editor, reader
):
    everything = chapter_url("comments:removed_comments", chapter)
    page = client.get(everything)
    assert page.status_code == 200
    assert "No comment is about removed text" in page.text
    draft = chapter_make(
        book=book, text=CHAPTER_TEXT, slug="draft", editor=editor, status=Chapter.Status.DRAFT
    )
    orphans(draft, [editor], 2)
    url = chapter_url("comments:removed_comments", draft)
    client.force_login(reader)
    assert client.get(url).status_code == 404
    client.force_login(editor)
    assert shown(client.get(url).text, "Orphan") == {0, 1}
    assert client.get(url, {"page": "next"}).status_code == 400


def test_a_page_read_by_its_ids_first_is_the_page_a_paginator_gives(chapter):
    from django.core.paginator import Paginator
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wethink.paging import IdsFirstPaginator

    readers = [UserFactory(username=f"paged{i}") for i in range(3)]
    block = chapter.current_revision.blocks.get(position=2)
    Comment.objects.bulk_create(
        comment_row(chapter=chapter, block=block, author=readers[i % 3], body=f"Number {i}.")
        for i in range(23)
    )
    comments = Comment.objects.select_related("author", "chapter__book").order_by("-body", "id")
    plain, by_ids = Paginator(comments, 10, orphans=3), IdsFirstPaginator(comments, 10, orphans=3)
    assert by_ids.num_pages == plain.num_pages == 2
    for number in (1, 2):
        assert list(by_ids.page(number)) == list(plain.page(number))
    with CaptureQueriesContext(connection) as queries:
        page = by_ids.page(2)
        names = [comment.author.username for comment in page]
    # The page's ids, then its rows with their joins; none per row.
    assert len(queries) == 2 and len(names) == 13
