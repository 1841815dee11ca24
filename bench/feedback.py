"""Time the editors' side: the feedback queue over 20,000 comments, and folding 50
suggestions into a 300-block chapter in one request."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import override_settings
from django.urls import reverse

from chapters.models import Book
from chapters.services import chapter_create
from comments.models import Comment
from tests.factories import comment_row


def main() -> None:
    print("\n== Feedback queue (20,000 comments) and folding (50 suggestions, 300 blocks)")
    users = get_user_model().objects
    editor, _ = users.get_or_create(username="bench-editor")
    readers = [users.get_or_create(username=f"bench-fold-{i}")[0] for i in range(20)]
    book, _ = Book.objects.get_or_create(
        slug="bench-feedback", defaults={"title": "Bench", "status": Book.Status.OPEN}
    )
    book.editors.add(editor)
    book.chapters.all().delete()
    chapters = []
    for c in range(4):
        text = "\n\n".join(
            [f"# Chapter {c}"]
            + [
                f"Paragraph {i} of chapter {c} says something worth a comment."
                for i in range(1, 300)
            ]
        )
        chapters.append(
            chapter_create(book=book, title=f"C{c}", slug=f"c{c}", text=text, editor=editor)
        )
    rows = []
    for c, chapter in enumerate(chapters):
        blocks = list(chapter.current_revision.blocks.order_by("position"))
        for i in range(5000):
            block = blocks[1 + i % 299]
            suggest = c == 0 and i < 50
            rows.append(
                comment_row(
                    chapter=chapter,
                    block=block,
                    author=readers[i % 20],
                    body=f"Comment {i}",
                    vote_count=i % 7,
                    quote_exact="says something" if suggest else "",
                    quote_prefix=block.text.split("says")[0] if suggest else "",
                    suggestion="makes a point" if suggest else "",
                    decision=Comment.Decision.ACCEPTED if suggest else Comment.Decision.OPEN,
                )
            )
    Comment.objects.bulk_create(rows, batch_size=2000)
    client = Client()
    client.force_login(editor)
    with override_settings(DEBUG=True):
        for sort in ("newest", "votes", "reading"):
            samples = []
            for _ in range(10):
                reset_queries()
                start = time.perf_counter()
                response = client.get("/feedback/", {"sort": sort})
                samples.append(time.perf_counter() - start)
                assert response.status_code == 200
            ms = statistics.median(samples) * 1000
            queries = len(connection.queries)
            print(f"  queue page 1, sort={sort:<8} median {ms:7.1f} ms  {queries} queries")
        chapter = chapters[0]
        url = reverse("comments:fold", kwargs={"book": book.slug, "chapter": chapter.slug})
        start = time.perf_counter()
        response = client.post(
            url,
            {"text": chapter.text, "base": chapter.revision, "message": "", "action": "apply-all"},
        )
        applied = response.context["folded"]
        apply_ms = (time.perf_counter() - start) * 1000
        start = time.perf_counter()
        response = client.post(
            url,
            {
                "text": response.context["text"],
                "base": chapter.revision,
                "message": "Fold in 50 suggestions",
                "folded": sorted(applied),
                "action": "save",
            },
        )
        save_ms = (time.perf_counter() - start) * 1000
        assert response.status_code == 302, response.status_code
        incorporated = Comment.objects.filter(
            chapter=chapter, decision=Comment.Decision.INCORPORATED
        ).count()
        print(
            f"  apply 50 suggestions (one request)   {apply_ms:7.1f} ms  ({len(applied)} applied)"
        )
        print(f"  save the revision folding them in    {save_ms:7.1f} ms  ({incorporated} folded)")
