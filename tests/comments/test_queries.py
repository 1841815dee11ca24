"""The chapter page and a thread run a fixed number of queries, however many
blocks and comments there are."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from tests.factories import UserFactory, big_chapter


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
