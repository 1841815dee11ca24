import re

import pytest
from django.urls import reverse

from chapters.models import Book, Chapter
from comments.revising import chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, chapter_make


def url(name, chapter, **kw):
    return reverse(
        f"chapters:{name}", kwargs={"book": chapter.book.slug, "chapter": chapter.slug, **kw}
    )


@pytest.fixture
def revised(chapter, editor):
    text = CHAPTER_TEXT.replace("sets the scene", "sets the scene quickly").replace(
        "> A quotation worth commenting on.\n\n", ""
    )
    chapter_revise(chapter=chapter, text=text, editor=editor, message="Tighten the opening")
    return chapter


def test_book_list_and_contents(client, chapter):
    response = client.get("/")
    assert response.status_code == 200
    assert "Open Book" in response.text
    response = client.get(f"/b/{chapter.book.slug}/")
    assert response.status_code == 200
    assert chapter.get_absolute_url() in response.text


def test_empty_site_says_what_to_do(client, db, staff):
    assert "There are no books here yet." in client.get("/").text
    client.force_login(staff)
    assert "Add the first book" in client.get("/").text


def test_chapter_page_marks_every_block_with_its_pid_and_number(client, chapter):
    response = client.get(f"/b/{chapter.book.slug}/{chapter.slug}/")
    assert response.status_code == 200
    pids = list(chapter.current_revision.blocks.order_by("position").values_list("pid", flat=True))
    found = re.findall(r'<div id="p-(\w+)" data-pid="(\w+)">', response.text)
    assert [a for a, _ in found] == pids
    assert [b for _, b in found] == pids
    # The number is drawn by CSS; the third block's control names it.
    assert f'<a href="p/{pids[2]}/">Comments on paragraph 3</a>' in response.text
    assert "Revision 1" in response.text


def test_previous_and_next_chapter_links(client, chapter, book):
    second = chapter_make(book=book, text="# Second\n\nMore.", slug="second")
    first_page = client.get(chapter.get_absolute_url()).text
    second_page = client.get(second.get_absolute_url()).text
    assert f'href="{second.get_absolute_url()}" rel="next"' in first_page
    assert f'href="{chapter.get_absolute_url()}" rel="prev"' in second_page


def test_old_revision_shows_a_notice_and_links_to_the_current_one(client, revised):
    response = client.get(url("chapter_revision", revised, number=1))
    assert response.status_code == 200
    assert "You are reading revision 1" in response.text
    assert "A quotation worth commenting on." in response.text
    assert revised.get_absolute_url() in response.text
    current = client.get(url("chapter_revision", revised, number=2))
    assert current.status_code == 302


def test_history_lists_revisions_with_links_to_their_diffs(client, revised, editor):
    response = client.get(url("chapter_history", revised))
    assert response.status_code == 200
    assert "Tighten the opening" in response.text
    assert editor.username in response.text
    assert url("chapter_diff", revised, a=1, b=2) in response.text


def test_diff_shows_edited_and_removed_blocks_with_word_changes(client, revised):
    response = client.get(url("chapter_diff", revised, a=1, b=2))
    assert response.status_code == 200
    assert "the scene<ins> quickly</ins>." in response.text
    assert "diff-row--removed" in response.text
    assert "A quotation worth commenting on." in response.text
    assert "1 edited" in response.text and "1 removed" in response.text


@pytest.mark.parametrize(
    "path",
    [
        "/b/nope/",
        "/b/open-book/nope/",
        "/b/open-book/first-steps/r9/",
        "/b/open-book/first-steps/diff/1/9/",
        "/b/open-book/first-steps/diff/0/1/",
    ],
)
def test_unknown_things_are_404_in_the_site_design(client, chapter, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "There is nothing here" in response.text
    assert 'class="site-header"' in response.text


@pytest.mark.parametrize(
    ("who", "status"), [("anonymous", 404), ("reader", 404), ("editor", 200), ("staff", 200)]
)
def test_draft_books_are_for_editors_and_staff(client, chapter, reader, editor, staff, who, status):
    Book.objects.filter(pk=chapter.book.pk).update(status=Book.Status.DRAFT)
    people = {"reader": reader, "editor": editor, "staff": staff}
    if who in people:
        client.force_login(people[who])
    for path in (
        chapter.book.get_absolute_url(),
        chapter.get_absolute_url(),
        url("chapter_history", chapter),
    ):
        assert client.get(path).status_code == status
    listed = chapter.book.title in client.get("/").text
    assert listed == (status == 200)


@pytest.mark.parametrize(("who", "status"), [("reader", 404), ("editor", 200)])
def test_draft_chapters_are_for_editors(client, chapter, reader, editor, who, status):
    Chapter.objects.filter(pk=chapter.pk).update(status=Chapter.Status.DRAFT)
    client.force_login(reader if who == "reader" else editor)
    assert client.get(chapter.get_absolute_url()).status_code == status


def test_archived_chapters_leave_the_contents_but_keep_their_page(client, chapter):
    Chapter.objects.filter(pk=chapter.pk).update(status=Chapter.Status.ARCHIVED)
    assert chapter.get_absolute_url() not in client.get(chapter.book.get_absolute_url()).text
    assert client.get(chapter.get_absolute_url()).status_code == 200


def test_restore_is_for_editors_only(client, revised, reader, editor, staff):
    restore = url("chapter_restore", revised, number=1)
    response = client.post(restore)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(reader)
    assert client.post(restore).status_code == 403
    other_editor = UserFactory(username="other-ed")
    client.force_login(other_editor)
    assert client.post(restore).status_code == 403
    revised.refresh_from_db()
    assert revised.revision == 2
    client.force_login(reader)
    assert client.get(restore).status_code == 403
    client.force_login(editor)
    confirm = client.get(restore)
    assert confirm.status_code == 200
    assert "Restore revision 1?" in confirm.text
    revised.refresh_from_db()
    assert revised.revision == 2
    response = client.post(restore, follow=True)
    assert response.status_code == 200
    assert "Revision 1 is now the current text, as revision 3." in response.text
    revised.refresh_from_db()
    assert revised.revision == 3
    client.force_login(staff)
    client.post(url("chapter_restore", revised, number=2))
    revised.refresh_from_db()
    assert revised.revision == 4


def test_restoring_a_bad_revision_number_says_why(client, revised, editor):
    client.force_login(editor)
    response = client.post(url("chapter_restore", revised, number=7), follow=True)
    assert "Revision 7 does not exist." in response.text
    assert revised.revisions.count() == 2


def test_history_shows_restore_buttons_only_to_editors(client, revised, reader, editor):
    client.force_login(reader)
    assert "Restore" not in client.get(url("chapter_history", revised)).text
    client.force_login(editor)
    assert "Restore" in client.get(url("chapter_history", revised)).text
