import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError
from reversion.models import Version

from chapters.models import Block, Chapter, ChapterRevision
from chapters.services import ImportedFile, RevisionConflict
from comments.revising import book_import, chapter_restore, chapter_revise
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


def test_a_pid_hint_keeps_the_pid_of_a_paragraph_rewritten_beyond_recognition(chapter, editor):
    before = pids(chapter.current_revision)
    text = CHAPTER_TEXT.replace(
        "The opening paragraph sets the scene.", "Dawn breaks over quiet hills."
    )
    unhinted = chapter_revise(chapter=chapter, text=text, editor=editor, message="no hint")
    assert pids(unhinted)[1] not in before  # shares no word: inferred as a new paragraph
    chapter.refresh_from_db()
    old_pid = pids(unhinted)[1]
    again = text.replace("Dawn breaks over quiet hills.", "Rain falls on every roof.")
    hinted = chapter_revise(
        chapter=chapter,
        text=again,
        editor=editor,
        message="hint",
        pid_hints={old_pid: "Rain falls on every roof."},
    )
    assert pids(hinted) == pids(unhinted)


def test_a_hint_for_a_pid_the_chapter_does_not_have_is_ignored(chapter, editor):
    other = chapter_make(book=chapter.book, text="# Other\n\nAnother text.", slug="other")
    foreign = pids(other.current_revision)[1]
    text = CHAPTER_TEXT.replace(
        "The opening paragraph sets the scene.", "Dawn breaks over quiet hills."
    )
    revision = chapter_revise(
        chapter=chapter,
        text=text,
        editor=editor,
        message="x",
        pid_hints={foreign: "Dawn breaks over quiet hills.", "nopid9": "Dawn"},
    )
    assert foreign not in pids(revision)
    assert len(set(pids(revision))) == len(pids(revision))


def test_a_change_based_on_an_old_revision_is_refused_and_writes_nothing(chapter, editor):
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nFirst.\n", editor=editor, message="a")
    with pytest.raises(RevisionConflict) as conflict:
        chapter_revise(
            chapter=chapter,
            text=CHAPTER_TEXT + "\nSecond.\n",
            editor=editor,
            message="b",
            base_revision=1,
        )
    assert conflict.value.newer.number == 2 and conflict.value.base == 1
    assert "Revision 2" in conflict.value.messages[0]
    chapter.refresh_from_db()
    assert chapter.revision == 2 and "First." in chapter.text
    assert chapter.revisions.count() == 2
    # Based on the newest revision, the same change goes through.
    revision = chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT + "\nSecond.\n",
        editor=editor,
        message="b",
        base_revision=2,
    )
    assert revision.number == 3


def test_a_restore_based_on_an_old_revision_is_a_conflict_before_anything_else(chapter, editor):
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nTwo.\n", editor=editor, message="2")
    chapter_restore(chapter=chapter, number=1, editor=editor, base_revision=2)
    # A second restore of the same revision from the same page: told about the
    # first, not that revision 1 is already the current text.
    with pytest.raises(RevisionConflict) as conflict:
        chapter_restore(chapter=chapter, number=1, editor=editor, base_revision=2)
    assert conflict.value.newer.number == 3
    assert chapter.revisions.count() == 3


def test_an_import_of_a_chapter_revised_after_it_was_read_is_a_conflict(
    chapter, editor, monkeypatch
):
    from chapters import services

    lock = services.chapters_lock

    def revised_meanwhile(*, chapters):
        chapters = list(chapters)
        if chapters and not getattr(revised_meanwhile, "done", False):
            revised_meanwhile.done = True
            services.chapter_revise(
                chapter=Chapter.objects.get(pk=chapter.pk),
                text=CHAPTER_TEXT + "\nSaved meanwhile.\n",
                editor=editor,
                message="meanwhile",
                comments_follow=lambda *, revisions: None,
            )
        lock(chapters=chapters)

    monkeypatch.setattr(services, "chapters_lock", revised_meanwhile)
    files = [ImportedFile(chapter.slug, chapter.title, CHAPTER_TEXT + "\nImported.\n")]
    with pytest.raises(RevisionConflict):
        book_import(book_slug=chapter.book.slug, files=files, editor=editor)


def test_an_import_leaves_alone_a_chapter_whose_file_is_what_it_read(chapter, editor):
    chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nTwo.\n", editor=editor, message="2")
    chapter.refresh_from_db()
    files = [ImportedFile(chapter.slug, chapter.title, chapter.text)]
    _book, outcomes = book_import(book_slug=chapter.book.slug, files=files, editor=editor)
    assert [o.action for o in outcomes] == ["unchanged"]
    assert chapter.revisions.count() == 2


@pytest.mark.parametrize(
    "error",
    [
        IntegrityError(
            'duplicate key value violates unique constraint "chapter_revision_unique_number"'
        ),
        OperationalError("deadlock detected"),
    ],
)
def test_a_race_the_database_catches_is_a_conflict_not_a_server_error(
    chapter, editor, monkeypatch, error
):
    if isinstance(error, OperationalError):
        cause = Exception("deadlock detected")
        cause.pgcode = "40P01"  # as psycopg reports it
        error.__cause__ = cause

    def racing(*args, **kwargs):
        raise error

    monkeypatch.setattr(ChapterRevision, "save", racing)
    with pytest.raises(RevisionConflict) as conflict:
        chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nX.\n", editor=editor, message="x")
    assert conflict.value.newer is None
    assert "at the same moment" in conflict.value.messages[0]


def test_other_database_errors_are_not_disguised_as_conflicts(chapter, editor, monkeypatch):
    def broken(*args, **kwargs):
        raise IntegrityError('null value in column "text" violates not-null constraint')

    monkeypatch.setattr(ChapterRevision, "save", broken)
    with pytest.raises(IntegrityError):
        chapter_revise(chapter=chapter, text=CHAPTER_TEXT + "\nX.\n", editor=editor, message="x")
