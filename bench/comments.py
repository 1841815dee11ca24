"""Time the commenting pages: a chapter of 300 blocks carrying 5,000 comments."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.urls import NoReverseMatch, reverse

from chapters.models import Book
from chapters.services import chapter_create
from comments.models import Comment, Vote
from tests.factories import comment_row


def timed(client: Client, path: str, runs: int = 20) -> tuple[float, int]:
    samples = []
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    return statistics.median(samples) * 1000, len(connection.queries)


def main() -> None:
    print("\n== Comments: 300 blocks, 5,000 comments (1,000 of them replies)")
    users = [
        get_user_model().objects.get_or_create(username=f"bench-reader-{i}")[0] for i in range(20)
    ]
    book, _ = Book.objects.get_or_create(
        slug="bench-comments", defaults={"title": "Bench", "status": Book.Status.OPEN}
    )
    book.chapters.all().delete()
    text = "\n\n".join(
        ["# Busy chapter"]
        + [f"Paragraph {i} draws a lot of comments from readers." for i in range(1, 300)]
    )
    chapter = chapter_create(book=book, title="Busy", slug="busy", text=text, editor=None)
    revision = chapter.current_revision
    blocks = list(revision.blocks.order_by("position"))
    Comment.objects.bulk_create(
        [
            comment_row(
                chapter=chapter, block=blocks[i % 300], author=users[i % 20], body=f"Comment {i}"
            )
            for i in range(4000)
        ],
        batch_size=1000,
    )
    roots = list(Comment.objects.filter(chapter=chapter).order_by("id")[:1000])
    by_pid = {block.pid: block for block in blocks}
    Comment.objects.bulk_create(
        [
            comment_row(
                chapter=chapter,
                block=by_pid[root.pid],
                author=users[0],
                body="A reply",
                parent=root,
                depth=1,
            )
            for root in roots
        ],
        batch_size=1000,
    )
    Vote.objects.bulk_create([Vote(comment=root, user=users[1]) for root in roots])
    client = Client()
    client.force_login(users[2])
    kw = {"book": book.slug, "chapter": chapter.slug}
    pages = [
        ("chapter page with counts", reverse("chapters:chapter_detail", kwargs=kw)),
        (
            "one thread (~17 comments)",
            reverse("comments:thread", kwargs={**kw, "pid": blocks[1].pid}),
        ),
    ]
    try:
        pages.append(
            ("API list, chapter (page 1)", reverse("comments:api_chapter_annotations", kwargs=kw))
        )
        pages.append(
            (
                "API list, book (page 1)",
                reverse("comments:api_book_annotations", kwargs={"book": book.slug}),
            )
        )
    except NoReverseMatch:
        pass
    with override_settings(DEBUG=True):
        for name, path in pages:
            ms, queries = timed(client, path)
            print(f"  {name:<28} median {ms:7.1f} ms  {queries} queries")
