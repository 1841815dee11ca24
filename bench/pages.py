"""Time the reading pages on a large chapter: 300 blocks, 50 revisions; then the
page cache: a miss (the first view after a write) and a hit on a 300-block chapter
with 5,000 comments, and the bytes per block of the chapter page."""

import io
import re
import statistics
import time
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from chapters.models import Book
from chapters.services import chapter_create
from comments.models import Comment
from comments.revising import chapter_revise
from comments.services import comment_create
from tests.factories import comment_row
from wethink.pagecache import PageCacheApp

HGBOOK_CHAPTER = (
    Path(__file__).resolve().parents[2] / "shared/testdata/hgbook/v0/chapters/09-hook.md"
)


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
    cache_main()


def page_bytes(html: bytes, blocks: int) -> tuple[int, float]:
    """The page's size, and the bytes per block of its article beyond the blocks' own
    HTML (the wrapper, the control)."""
    article = re.search(rb"<article.*?</article>", html, re.S).group(0)
    return len(html), len(article) / blocks


def thin_get(app: PageCacheApp, path: str) -> tuple[str, bytes]:
    answer = {}

    def start_response(status, headers):
        answer["status"] = status

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
    }
    body = b"".join(app(environ, start_response))
    return answer["status"], body


def cache_main() -> None:
    print("\n== Page cache: 300 blocks, 5,000 comments; anonymous reader")
    users = [
        get_user_model().objects.get_or_create(username=f"bench-cache-{i}")[0] for i in range(20)
    ]
    book, _ = Book.objects.get_or_create(
        slug="bench-cache", defaults={"title": "Bench", "status": Book.Status.OPEN}
    )
    book.chapters.all().delete()
    chapter = chapter_create(
        book=book, title="Long", slug="long", text=chapter_text(300, 1), editor=None
    )
    revision = chapter.current_revision
    blocks = list(revision.blocks.order_by("position"))
    Comment.objects.bulk_create(
        comment_row(
            chapter=chapter, block=blocks[i % 300], author=users[i % 20], body=f"Comment {i}"
        )
        for i in range(5000)
    )
    if connection.vendor == "postgresql":
        # As autovacuum would soon after such a load: plans from the real row counts.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    path = chapter.get_absolute_url()
    client = Client()
    app = PageCacheApp(lambda environ, start_response: start_response("599 Passed", []) or [])
    # Writers of their own: the readers above are at the per-minute comment limit.
    writers = [
        get_user_model().objects.get_or_create(username=f"bench-cache-writer-{i}")[0]
        for i in range(20)
    ]
    misses, hits = [], []
    for i in range(20):
        # A write moves the chapter's version (after commit: at once here).
        comment_create(user=writers[i], chapter=chapter, pid=blocks[i].pid, body=f"New {i}")
        assert thin_get(app, path)[0] != "200 OK"
        start = time.perf_counter()
        response = client.get(path)
        misses.append(time.perf_counter() - start)
        assert response.status_code == 200
        for _ in range(10):
            start = time.perf_counter()
            status, _body = thin_get(app, path)
            hits.append(time.perf_counter() - start)
            assert status == "200 OK"
    size, per_block = page_bytes(response.content, 300)
    print(f"  miss, first view after a comment: median {statistics.median(misses) * 1000:6.1f} ms")
    print(f"  hit, answered by the WSGI layer:  median {statistics.median(hits) * 1000:6.2f} ms")
    print(f"  page {size:,} bytes; article {per_block:.0f} bytes per block (HTML included)")
    backend = type(cache).__name__
    print(f"  (in one process, Django test client for the miss; cache: {backend})")
    if HGBOOK_CHAPTER.exists():
        hg, _ = Book.objects.get_or_create(
            slug="bench-hg", defaults={"title": "Mercurial", "status": Book.Status.OPEN}
        )
        hg.chapters.all().delete()
        found = chapter_create(
            book=hg, title="Hooks", slug="hook", text=HGBOOK_CHAPTER.read_text(), editor=None
        )
        count = found.current_revision.block_count
        html = client.get(found.get_absolute_url()).content
        content = sum(len(b.html.encode()) for b in found.current_revision.blocks.all())
        size, per_block = page_bytes(html, count)
        print(
            f"  hgbook 09-hook.md, {count} blocks: page {size:,} bytes "
            f"(blocks' own HTML {content:,}; {per_block - content / count:.0f} bytes "
            "of markup per block)"
        )
