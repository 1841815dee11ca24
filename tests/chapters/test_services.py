import pytest
from django.core.exceptions import ValidationError
from reversion.models import Version

from chapters.models import Block, ChapterRevision
from chapters.services import chapter_restore, chapter_revise
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, chapter_make


def pids(revision: ChapterRevision) -> list[str]:
    return list(revision.blocks.order_by("position").values_list("pid", flat=True))


def texts(revision: ChapterRevision) -> list[str]:
    return list(revision.blocks.order_by("position").values_list("text", flat=True))


def test_first_revision_stores_rendered_blocks_and_a_reversion_snapshot(chapter, editor):
    revision = chapter.current_revision
    assert chapter.revision == 1
    assert revision.number == 1
    assert revision.editor == editor
    kinds = list(revision.blocks.order_by("position").values_list("kind", flat=True))
    assert kinds == [
        "heading",
        "paragraph",
        "heading",
        "paragraph",
        "item",
        "item",
        "quote",
        "code",
    ]
    assert len(set(pids(revision))) == len(kinds)
    versions = Version.objects.get_for_object(chapter)
    assert versions.count() == 1
    assert versions[0].revision.user == editor
    assert versions[0].field_dict["text"] == CHAPTER_TEXT


def test_revising_keeps_pids_of_unchanged_and_edited_blocks(chapter, editor):
    before = pids(chapter.current_revision)
    text = CHAPTER_TEXT.replace("sets the scene", "sets the whole scene").replace(
        "- another item\n", "- another item\n- a third item\n"
    )
    revision = chapter_revise(chapter=chapter, text=text, editor=editor, message="Tweak")
    after = pids(revision)
    assert revision.number == 2
    assert chapter.revision == 2
    assert after[:6] == before[:6]  # the edited paragraph (index 1) kept its pid
    assert after[6] not in before  # the new list item got a fresh pid
    assert after[7:] == before[6:]
    assert revision.message == "Tweak"
    assert Version.objects.get_for_object(chapter).count() == 2


def test_unchanged_text_makes_no_revision(chapter, editor):
    assert chapter_revise(chapter=chapter, text=CHAPTER_TEXT, editor=editor, message="x") is None
    assert chapter.revisions.count() == 1
    assert Version.objects.get_for_object(chapter).count() == 1


def test_removed_pid_is_never_reissued(chapter, editor):
    first = pids(chapter.current_revision)
    removed = first[1]
    shorter = CHAPTER_TEXT.replace("The opening paragraph sets the scene.\n\n", "")
    chapter_revise(chapter=chapter, text=shorter, editor=editor, message="cut")
    rewritten = shorter.replace("# First steps\n", "# First steps\n\nAn entirely new opening.\n")
    revision = chapter_revise(chapter=chapter, text=rewritten, editor=editor, message="new")
    assert removed not in pids(revision)


def test_restore_makes_the_old_text_the_newest_revision_with_its_pids(chapter, editor):
    original = chapter.current_revision
    shorter = CHAPTER_TEXT.replace("The opening paragraph sets the scene.\n\n", "")
    chapter_revise(chapter=chapter, text=shorter, editor=editor, message="cut")
    restored = chapter_restore(chapter=chapter, number=1, editor=editor)
    assert restored.number == 3
    assert restored.restored_from == 1
    assert restored.text == original.text
    assert pids(restored) == pids(original)
    assert list(chapter.revisions.values_list("number", flat=True)) == [3, 2, 1]


def test_restore_refuses_unknown_and_current_revisions(chapter, editor):
    with pytest.raises(ValidationError):
        chapter_restore(chapter=chapter, number=9, editor=editor)
    with pytest.raises(ValidationError):
        chapter_restore(chapter=chapter, number=1, editor=editor)
    assert chapter.revisions.count() == 1


def test_a_failed_revision_writes_nothing(chapter, editor, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Block.objects, "bulk_create", broken)
    with pytest.raises(RuntimeError):
        chapter_revise(chapter=chapter, text="# New\n\nText.", editor=editor, message="x")
    chapter.refresh_from_db()
    assert chapter.revision == 1
    assert chapter.text == CHAPTER_TEXT
    assert chapter.revisions.count() == 1
    assert Version.objects.get_for_object(chapter).count() == 1


def test_pids_are_unique_across_the_books_chapters(db, editor):
    book = BookFactory(slug="twin")
    one = chapter_make(book=book, text="# One\n\nSame words.", slug="one")
    two = chapter_make(book=book, text="# One\n\nSame words.", slug="two")
    assert not set(pids(one.current_revision)) & set(pids(two.current_revision))


def test_raw_html_is_escaped_in_chapter_text(book, editor):
    chapter = chapter_make(
        book=book, text="# T\n\n<script>alert(1)</script> and <b onclick=x>bold</b>", slug="x"
    )
    html = "".join(chapter.current_revision.blocks.values_list("html", flat=True))
    assert "<script" not in html
    assert "&lt;script&gt;" in html
    assert "<b " not in html
    assert "&lt;b onclick=x&gt;" in html
