import re
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


def read_folder(folder: Path) -> list[ImportedFile]:
    """Every `.md` file of `folder` in file-name order, checked before anything is written."""
    if not folder.is_dir():
        raise CommandError(f"{folder} is not a folder.")
    paths = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".md" and p.is_file())
    if not paths:
        raise CommandError(f"{folder} holds no .md files.")
    files, seen = [], {}
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
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
        parser.add_argument("folder", type=Path)
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
        files = read_folder(options["folder"])
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
