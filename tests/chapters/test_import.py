from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chapters.models import Book, Chapter


def write(folder: Path, files: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.md"):
        old.unlink()
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return folder


def run(folder: Path, *args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("import_book", str(folder), "--book", "imported", *args, stdout=out)
    return out.getvalue()


def pid_of(chapter_slug: str, text: str) -> str:
    chapter = Chapter.objects.get(book__slug="imported", slug=chapter_slug)
    return chapter.current_revision.blocks.get(text=text).pid


ONE = "# Beginnings\n\nIt starts here.\n\nThe paragraph that will move.\n"
TWO = "# Middles\n\nIt goes on.\n"


@pytest.mark.django_db
def test_import_then_reimport_keeps_pids_and_reports_per_chapter(tmp_path):
    folder = write(tmp_path / "book", {"01-beginnings.md": ONE, "02-middles.md": TWO})
    out = run(folder, "--title", "Imported Book")
    assert "beginnings: new" in out and "middles: new" in out
    book = Book.objects.get(slug="imported")
    assert book.title == "Imported Book"
    assert [c.slug for c in book.chapters.order_by("position")] == ["beginnings", "middles"]
    assert book.chapters.get(slug="beginnings").title == "Beginnings"
    moving = pid_of("beginnings", "The paragraph that will move.")
    staying = pid_of("beginnings", "It starts here.")

    out = run(folder)
    assert "beginnings: unchanged" in out and "middles: unchanged" in out
    assert book.chapters.get(slug="beginnings").revision == 1

    # Renumbered files are the same chapters; the paragraph moves to chapter two.
    write(
        folder,
        {
            "10-beginnings.md": "# Beginnings\n\nIt starts here.\n",
            "20-middles.md": "# Middles\n\nIt goes on.\n\nThe paragraph that will move.\n",
        },
    )
    out = run(folder)
    assert "beginnings: revised to r2" in out and "middles: revised to r2" in out
    assert pid_of("middles", "The paragraph that will move.") == moving
    assert pid_of("beginnings", "It starts here.") == staying


@pytest.mark.django_db
def test_a_paragraph_moving_into_a_new_chapter_keeps_its_pid(tmp_path):
    folder = write(tmp_path / "book", {"01-beginnings.md": ONE})
    run(folder)
    moving = pid_of("beginnings", "The paragraph that will move.")
    write(
        folder,
        {
            "01-beginnings.md": "# Beginnings\n\nIt starts here.\n",
            "02-endings.md": "# Endings\n\nThe paragraph that will move.\n",
        },
    )
    out = run(folder)
    assert "endings: new" in out
    assert pid_of("endings", "The paragraph that will move.") == moving


@pytest.mark.django_db
def test_missing_chapters_are_left_alone_or_archived(tmp_path):
    folder = write(tmp_path / "book", {"01-beginnings.md": ONE, "02-middles.md": TWO})
    run(folder)
    write(folder, {"01-beginnings.md": ONE})
    out = run(folder)
    assert "middles: missing" in out
    assert Chapter.objects.get(slug="middles").status == Chapter.Status.PUBLISHED
    out = run(folder, "--archive-missing")
    assert "middles: archived" in out
    assert Chapter.objects.get(slug="middles").status == Chapter.Status.ARCHIVED


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({}, "holds no .md files"),
        ({"01-a.md": "# A\n\nFine.\n", "02-b.md": b"# B\n\n\xff\xfe bad\n"}, "not UTF-8"),
        ({"01-a.md": "# A\n\nFine.\n", "02-b.md": "  \n"}, "is empty"),
        ({"01-a.md": "# A\n", "02-a.md": "# A again\n"}, "would both be chapter 'a'"),
    ],
)
@pytest.mark.django_db
def test_bad_input_stops_with_a_clear_message_and_imports_nothing(tmp_path, files, message):
    folder = write(tmp_path / "book", files)
    with pytest.raises(CommandError, match=message):
        run(folder)
    assert not Book.objects.exists()
    assert not Chapter.objects.exists()


@pytest.mark.django_db
def test_a_missing_folder_is_reported(tmp_path):
    with pytest.raises(CommandError, match=r"is not a folder or a \.zip file"):
        run(tmp_path / "nowhere")


@pytest.mark.django_db
def test_import_from_a_zip(tmp_path):
    import zipfile

    archive = tmp_path / "book.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("book/01-beginnings.md", ONE)
        zipped.writestr("book/02-middles.md", TWO)
        zipped.writestr("__MACOSX/book/._01-beginnings.md", b"\x00\x01")
    out = run(archive)
    assert "beginnings: new" in out and "middles: new" in out
    assert Chapter.objects.count() == 2


@pytest.mark.django_db
def test_a_broken_zip_is_refused(tmp_path):
    archive = tmp_path / "book.zip"
    archive.write_bytes(b"not a zip")
    with pytest.raises(CommandError, match="not a zip archive"):
        run(archive)
    assert not Book.objects.exists()
