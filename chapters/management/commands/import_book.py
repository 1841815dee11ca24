import re
import zipfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from chapters.services import ImportedFile, book_import

NUMBER_PREFIX = re.compile(r"^\d+[-_. ]*")
TITLE = re.compile(r"^# +(.+?)\s*#*\s*$", re.MULTILINE)


def chapter_slug(path: Path) -> str:
    """`03-concepts.md` -> `concepts`: renumbering files does not make new chapters."""
    return slugify(NUMBER_PREFIX.sub("", path.stem)) or slugify(path.stem)


MAX_ZIP_BYTES = 50 * 1024 * 1024


def read_source(source: Path) -> list[ImportedFile]:
    """A folder or a .zip of Markdown files, checked before anything is written."""
    if source.is_file() and source.suffix.lower() == ".zip":
        with source.open("rb") as handle:
            return read_zip(handle)
    return read_folder(source)


def read_zip(handle) -> list[ImportedFile]:
    """The `.md` files of a zip archive (at any depth; names must be unique), in
    file-name order."""
    try:
        archive = zipfile.ZipFile(handle)
    except zipfile.BadZipFile:
        raise CommandError("The file is not a zip archive.") from None
    with archive:
        members = [
            info
            for info in archive.infolist()
            if not info.is_dir()
            and info.filename.lower().endswith(".md")
            and not Path(info.filename).name.startswith(".")
            and "__MACOSX" not in info.filename
        ]
        if sum(info.file_size for info in members) > MAX_ZIP_BYTES:
            raise CommandError("The archive's Markdown files add up to more than 50 MB.")
        contents = {}
        for info in members:
            name = Path(info.filename).name
            if name in contents:
                raise CommandError(f"Two files in the archive are called {name}.")
            contents[name] = archive.read(info)
    return read_contents(contents, where="the archive")


def read_folder(folder: Path) -> list[ImportedFile]:
    """Every `.md` file of `folder` in file-name order, checked before anything is written."""
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder or a .zip file.")
    paths = [p for p in folder.iterdir() if p.suffix.lower() == ".md" and p.is_file()]
    return read_contents({p.name: p.read_bytes() for p in paths}, where=str(folder))


def read_contents(contents: dict[str, bytes], *, where: str) -> list[ImportedFile]:
    if not contents:
        raise CommandError(f"{where} holds no .md files.")
    files, seen = [], {}
    for name in sorted(contents):
        path = Path(name)
        try:
            text = contents[name].decode("utf-8")
        except UnicodeDecodeError as error:
            raise CommandError(
                f"{path.name} is not UTF-8 text (byte {error.start}); nothing was imported."
            ) from None
        if not text.strip():
            raise CommandError(f"{path.name} is empty; nothing was imported.")
        slug = chapter_slug(path)
        if not slug:
            raise CommandError(f"{path.name}: cannot make a chapter name from this file name.")
        if slug in seen:
            raise CommandError(
                f"{path.name} and {seen[slug]} would both be chapter '{slug}'; rename one."
            )
        seen[slug] = path.name
        match = TITLE.search(text)
        title = match.group(1).strip() if match else NUMBER_PREFIX.sub("", path.stem)
        files.append(ImportedFile(slug=slug, title=title[:200], text=text))
    return files


class Command(BaseCommand):
    help = (
        "Import a folder of Markdown files, one per chapter in file-name order, as a book. "
        "Importing again makes a new revision of each changed chapter and keeps paragraph ids."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("folder", type=Path, help="a folder or a .zip of Markdown files")
        parser.add_argument("--book", required=True, help="the book's slug")
        parser.add_argument("--title", help="the book's title (default: from the slug)")
        parser.add_argument("--editor", help="username recorded as the editor of the revisions")
        parser.add_argument("--message", default="", help="revision message")
        parser.add_argument(
            "--archive-missing",
            action="store_true",
            help="archive chapters that have no file (hidden from the contents, comments kept)",
        )

    def handle(self, *args, **options) -> None:
        files = read_source(options["folder"])
        slug = slugify(options["book"])
        if not slug or slug != options["book"]:
            raise CommandError(f"--book must be a slug (letters, digits, hyphens): try '{slug}'.")
        editor = None
        if options["editor"]:
            editor = get_user_model().objects.filter(username=options["editor"]).first()
            if editor is None:
                raise CommandError(f"No user named {options['editor']}.")
        try:
            book, outcomes = book_import(
                book_slug=slug,
                title=options["title"],
                files=files,
                editor=editor,
                archive_missing=options["archive_missing"],
                message=options["message"],
            )
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        for outcome in outcomes:
            if outcome.action == "revised":
                what = f"revised to r{outcome.revision}"
            elif outcome.action == "missing":
                what = "missing (no file; left as it is)"
            elif outcome.action == "archived":
                what = "archived (no file)"
            else:
                what = outcome.action
            self.stdout.write(f"{outcome.slug}: {what}")
        self.stdout.write(self.style.SUCCESS(f"Imported {len(files)} files into '{book.slug}'."))
