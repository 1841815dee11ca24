"""The reading pages run a small fixed number of queries, whatever the size of the chapter."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.revising import chapter_revise
from tests.factories import BookFactory, chapter_make


def chapter_text(blocks: int, version: int) -> str:
    paragraphs = [f"# Big chapter {version}"]
    for i in range(1, blocks):
        if i % 25 == 0:
            paragraphs.append(f"## Section {i}")
        elif i % 7 == 0:
            paragraphs.append(f"- list item {i} in draft {version if i % 3 == 0 else 0}")
        else:
            edit = f" (edited in draft {version})" if i % 10 == version % 10 else ""
            paragraphs.append(f"Paragraph {i} says something about topic {i}{edit}.")
    return "\n\n".join(paragraphs) + "\n"


def build(slug: str, *, blocks: int, revisions: int):
    book = BookFactory(slug=slug)
    chapter = chapter_make(book=book, text=chapter_text(blocks, 1), slug="big")
    for version in range(2, revisions + 1):
        chapter_revise(
            chapter=chapter, text=chapter_text(blocks, version), editor=None, message=f"r{version}"
        )
    chapter.refresh_from_db()
    return chapter


def pages(chapter) -> dict[str, str]:
    kw = {"book": chapter.book.slug, "chapter": chapter.slug}
    last = chapter.revision
    return {
        "chapter": reverse("chapters:chapter_detail", kwargs=kw),
        "old revision": reverse("chapters:chapter_revision", kwargs={**kw, "number": 1}),
        "history": reverse("chapters:chapter_history", kwargs=kw),
        "diff": reverse("chapters:chapter_diff", kwargs={**kw, "a": 1, "b": last}),
        "contents": reverse("chapters:book_detail", kwargs={"book": chapter.book.slug}),
    }


def count_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


MAX_QUERIES = 8


@pytest.mark.django_db
def test_query_counts_do_not_grow_with_the_chapter(client):
    small = build("small", blocks=5, revisions=2)
    large = build("large", blocks=300, revisions=50)
    assert large.current_revision.blocks.count() == 300
    assert large.revisions.count() == 50
    for name, path in pages(small).items():
        few = count_queries(client, path)
        many = count_queries(client, pages(large)[name])
        assert many == few, f"{name}: {few} queries for a small chapter, {many} for a large one"
        assert many <= MAX_QUERIES, f"{name}: {many} queries"
