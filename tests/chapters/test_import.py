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


# Untrusted archives: every refusal is a clear message and nothing is written.


def zip_bytes(files: dict[str, str | bytes], *, method=None) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method or zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = method or zipfile.ZIP_DEFLATED
            zipped.writestr(info, content)
    return buffer.getvalue()


def raw_zip(name: str, data: bytes, *, declared: int | None = None, flags: int = 0) -> bytes:
    """A one-entry zip of `data`, deflated, built by hand so its headers can lie: they
    claim `declared` bytes, and carry `flags` (0x1 is "encrypted", which zipfile
    cannot write)."""
    declared = len(data) if declared is None else declared
    import struct
    import zlib

    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = deflate.compress(data) + deflate.flush()
    crc, encoded = zlib.crc32(data), name.encode()
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, flags, 8, 0, 33, crc, len(packed), declared, len(encoded), 0
    )
    central = struct.pack(
        "<4s6H3L5H2L",
        *(b"PK\x01\x02", 20, 20, flags, 8, 0, 33, crc, len(packed), declared, len(encoded)),
        *(0, 0, 0, 0, 0, 0),
    )
    start = len(local) + len(encoded) + len(packed)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(encoded), start, 0)
    return local + encoded + packed + central + encoded + end


def refused(tmp_path, content: bytes, message: str) -> None:
    archive = tmp_path / "book.zip"
    archive.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        run(archive)
    assert not Book.objects.exists()


@pytest.mark.django_db
def test_an_encrypted_zip_is_refused(tmp_path):
    content = raw_zip("01-one.md", ONE.encode(), flags=0x1)
    refused(tmp_path, content, "01-one.md is encrypted")


@pytest.mark.django_db
def test_an_unusual_compression_is_refused(tmp_path):
    import zipfile

    content = zip_bytes({"01-one.md": ONE}, method=zipfile.ZIP_BZIP2)
    refused(tmp_path, content, "unsupported method")


@pytest.mark.django_db
def test_nul_characters_are_refused_in_folders_and_zips(tmp_path):
    files = {"01-one.md": ONE, "02-two.md": "# Two\n\nA NUL \x00 here.\n"}
    with pytest.raises(CommandError, match=r"02-two.md holds a NUL character \(byte 13\)"):
        run(write(tmp_path / "book", files))
    refused(tmp_path, zip_bytes(files), "02-two.md holds a NUL character")


@pytest.mark.django_db
def test_too_many_or_too_big_files_are_refused(tmp_path, settings):
    settings.WETHINK_IMPORT_MAX_FILES = 1
    files = {"01-one.md": ONE, "02-two.md": TWO}
    with pytest.raises(CommandError, match="There are 2 Markdown files; at most 1"):
        run(write(tmp_path / "book", files))
    refused(tmp_path, zip_bytes(files), "at most 1 can be imported")
    settings.WETHINK_IMPORT_MAX_FILES = 10
    settings.WETHINK_IMPORT_MAX_FILE_BYTES = 40
    with pytest.raises(CommandError, match=r"01-one\.md is bigger than"):
        run(write(tmp_path / "book", files))
    refused(tmp_path, zip_bytes(files), "01-one.md is bigger than")
    settings.WETHINK_IMPORT_MAX_FILE_BYTES = 1000
    settings.WETHINK_IMPORT_MAX_BYTES = 80
    with pytest.raises(CommandError, match="add up to more than"):
        run(write(tmp_path / "book", files))
    refused(tmp_path, zip_bytes(files), "add up to more than")


BOMB = 100 * 1024 * 1024


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("declared", "message"),
    [(BOMB, "01-bomb.md is bigger than 5.0\xa0MB"), (1024, "01-bomb.md is damaged")],
    ids=["honest-header", "lying-header"],
)
def test_a_zip_bomb_is_refused_without_inflating_it(tmp_path, declared, message):
    import tracemalloc

    content = raw_zip("01-bomb.md", b"# Bomb\n" + b"a" * BOMB, declared=declared)
    assert len(content) < 200 * 1024
    tracemalloc.start()
    try:
        refused(tmp_path, content, message)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 5 * 1024 * 1024


# The admin reads archives through the same module; refusals are form errors.


def admin_post(client, content: bytes, slug: str = "zipped"):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    upload = SimpleUploadedFile("book.zip", content, content_type="application/zip")
    return client.post(reverse("admin:chapters_book_import"), {"slug": slug, "archive": upload})


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "message"),
    [
        (lambda: raw_zip("01-one.md", ONE.encode(), flags=0x1), "01-one.md is encrypted"),
        (lambda: zip_bytes({"01-one.md": "# One\n\n\x00\n"}), "01-one.md holds a NUL"),
        (lambda: raw_zip("01-bomb.md", b"a" * BOMB, declared=10), "01-bomb.md is damaged"),
        (lambda: zip_bytes({"01-feed.md": "# Feed\n"}), "used by the site itself"),
    ],
    ids=["encrypted", "nul", "bomb", "reserved-slug"],
)
def test_bad_archives_are_form_errors_in_the_admin(client, staff, content, message):
    client.force_login(staff)
    response = admin_post(client, content())
    assert response.status_code == 200
    assert message in response.text
    assert not Book.objects.exists()


@pytest.mark.django_db
def test_the_admin_refuses_archives_over_its_limit(client, staff, reader, settings):
    from django.urls import reverse

    settings.WETHINK_ADMIN_IMPORT_MAX_BYTES = 1024
    client.force_login(staff)
    assert (
        "At most 1.0\xa0KB, unpacked as well"
        in client.get(reverse("admin:chapters_book_import")).text
    )
    import secrets

    content = zip_bytes({"01-one.md": ONE, "02-two.md": "# Two\n\n" + secrets.token_hex(2000)})
    assert len(content) > 1024
    client.force_login(reader)
    assert admin_post(client, content).status_code == 302
    client.force_login(staff)
    response = admin_post(client, content)
    assert response.status_code == 200
    assert "the admin imports at most 1.0\xa0KB" in response.text
    assert "import_book" in response.text
    assert not Book.objects.exists()
    # A small archive whose files add up to more than the limit is refused as well.
    content = zip_bytes({f"0{n}-part.md": f"# {n}\n\n" + "a" * 600 for n in range(1, 4)})
    assert len(content) < 1024
    response = admin_post(client, content)
    assert "add up to more than" in response.text
    assert not Book.objects.exists()
