from django.urls import reverse

from chapters.models import Book, Chapter
from comments.services import comment_moderate
from pages.search import book_search
from tests.factories import chapter_make, comment_make


def search(client, book, q):
    return client.get(reverse("chapters:book_search", kwargs={"book": book.slug}), {"q": q})


def test_search_finds_text_and_comments_and_links_to_the_block(client, chapter, reader, book):
    comment_make(chapter=chapter, author=reader, body="The scenery metaphor is overused.")
    chapter_make(book=book, text="# Second\n\nNothing about that here.", slug="second")
    page = search(client, book, "scene")
    assert page.status_code == 200
    pid = chapter.current_revision.blocks.get(position=2).pid
    assert f'href="{chapter.get_absolute_url()}#p-{pid}"' in page.text
    assert "<mark>" in page.text
    hits = book_search(user=reader, book=book, query="opening scene")
    assert [hit.pid for hit in hits if hit.kind == "text"] == [pid]


def test_search_respects_visibility_and_escapes(client, chapter, reader, editor, book):
    hidden = comment_make(chapter=chapter, author=reader, body="secretword <script>x</script>")
    comment_moderate(user=editor, comment=hidden, action="hide", reason="no")
    assert search(client, book, "secretword").context["hits"] == []
    client.force_login(editor)
    page = search(client, book, "secretword")
    assert len(page.context["hits"]) == 1
    assert "<script>x" not in page.text  # escaped (SQLite) or dropped by ts_headline
    draft = chapter_make(book=book, text="# Draft\n\nUnpublished zebra words.", slug="draft")
    Chapter.objects.filter(pk=draft.pk).update(status=Chapter.Status.DRAFT)
    assert len(search(client, book, "zebra").context["hits"]) == 1
    client.logout()
    assert search(client, book, "zebra").context["hits"] == []


def test_empty_and_unmatched_queries_say_so(client, chapter, book):
    assert "result" not in search(client, book, "   ").text
    assert "Nothing in this book matches" in search(client, book, "xylophone").text


def test_search_in_a_draft_book_is_a_404(client, chapter, book):
    Book.objects.filter(pk=book.pk).update(status=Book.Status.DRAFT)
    assert search(client, book, "scene").status_code == 404
