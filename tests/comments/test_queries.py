"""The chapter page and a thread run a fixed number of queries, however many
blocks and comments there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment, Vote
from tests.factories import BookFactory, UserFactory, chapter_make


def big_chapter(slug: str, *, blocks: int, comments: int, readers):
    book = BookFactory(slug=slug)
    text = "\n\n".join(
        ["# Big"] + [f"Paragraph number {i} of the chapter." for i in range(1, blocks)]
    )
    chapter = chapter_make(book=book, text=text, slug="big")
    revision = chapter.current_revision
    block_list = list(revision.blocks.order_by("position"))
    rows = [
        Comment(
            book=book,
            chapter=chapter,
            revision=revision,
            pid=block_list[i % len(block_list)].pid,
            origin_pid=block_list[i % len(block_list)].pid,
            block_text=block_list[i % len(block_list)].text,
            body=f"Comment {i}",
            body_html=f"<p>Comment {i}</p>",
            author=readers[i % len(readers)],
            quote_exact="Paragraph" if i % 3 == 0 else "",
        )
        for i in range(comments)
    ]
    Comment.objects.bulk_create(rows, batch_size=1000)
    roots = list(Comment.objects.filter(chapter=chapter).order_by("id")[: comments // 5])
    Comment.objects.bulk_create(
        [
            Comment(
                book=book,
                chapter=chapter,
                revision=revision,
                pid=root.pid,
                origin_pid=root.pid,
                block_text=root.block_text,
                body="reply",
                body_html="<p>reply</p>",
                author=readers[0],
                parent=root,
                depth=1,
            )
            for root in roots
        ],
        batch_size=1000,
    )
    Vote.objects.bulk_create([Vote(comment=root, user=readers[1]) for root in roots[:500]])
    return chapter, block_list


def count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.django_db
def test_chapter_page_and_thread_queries_do_not_grow(client):
    readers = [UserFactory() for _ in range(5)]
    small, small_blocks = big_chapter("small", blocks=5, comments=10, readers=readers)
    large, large_blocks = big_chapter("large", blocks=300, comments=5000, readers=readers)
    assert Comment.objects.filter(chapter=large).count() == 6000
    client.force_login(readers[1])
    # The first page after signing in fills the shared cache with the person and the
    # header's counts: measured are the pages after it.
    client.get("/")

    def thread(chapter, block):
        return reverse(
            "comments:thread",
            kwargs={"book": chapter.book.slug, "chapter": chapter.slug, "pid": block.pid},
        )

    pages = [
        (small.get_absolute_url(), large.get_absolute_url()),
        (thread(small, small_blocks[1]), thread(large, large_blocks[1])),
    ]
    for few_url, many_url in pages:
        few, many = count(client, few_url), count(client, many_url)
        assert few == many, f"{many_url}: {few} queries small, {many} large"
        assert many <= 12, f"{many_url}: {many} queries"
