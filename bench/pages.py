"""Time the reading pages on a large chapter: 300 blocks, 50 revisions."""

import statistics
import time

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from chapters.models import Book
from chapters.services import chapter_create, chapter_revise


def chapter_text(blocks: int, version: int) -> str:
    paragraphs = [f"# A long chapter, draft {version}"]
    for i in range(1, blocks):
        if i % 25 == 0:
            paragraphs.append(f"## Section {i // 25}")
        else:
            edit = f" This sentence changed in draft {version}." if i % 10 == version % 10 else ""
            paragraphs.append(
                f"Paragraph {i} makes an argument about topic {i}, with a few more words "
                f"so that it reads like prose and not like a label.{edit}"
            )
    return "\n\n".join(paragraphs) + "\n"


def timed(client: Client, path: str, runs: int = 20) -> tuple[float, int]:
    samples = []
    for _ in range(runs):
        reset_queries()
        start = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, path
    return statistics.median(samples) * 1000, len(connection.queries)


def main() -> None:
    print("\n== Reading pages: one chapter of 300 blocks with 50 revisions")
    book, _ = Book.objects.get_or_create(
        slug="bench-pages", defaults={"title": "Bench", "status": Book.Status.OPEN}
    )
    book.chapters.all().delete()
    start = time.perf_counter()
    chapter = chapter_create(
        book=book, title="Long", slug="long", text=chapter_text(300, 1), editor=None
    )
    first = time.perf_counter() - start
    start = time.perf_counter()
    for version in range(2, 51):
        chapter_revise(
            chapter=chapter, text=chapter_text(300, version), editor=None, message="edit"
        )
    revise = (time.perf_counter() - start) / 49
    print(f"  first revision (render + store 300 blocks): {first * 1000:7.1f} ms")
    print(f"  each later revision (render + align + store): {revise * 1000:7.1f} ms")
    kw = {"book": book.slug, "chapter": chapter.slug}
    client = Client()
    with override_settings(DEBUG=True):
        for name, path in [
            ("chapter page", reverse("chapters:chapter_detail", kwargs=kw)),
            ("old revision r1", reverse("chapters:chapter_revision", kwargs={**kw, "number": 1})),
            ("history (50 revisions)", reverse("chapters:chapter_history", kwargs=kw)),
            ("diff r1 -> r50", reverse("chapters:chapter_diff", kwargs={**kw, "a": 1, "b": 50})),
        ]:
            ms, queries = timed(client, path)
            print(f"  {name:<24} median {ms:7.1f} ms  {queries} queries")
