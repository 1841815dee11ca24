from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from chapters.importing import ImportRefused, read_source
from comments.revising import book_import, history_import


class Command(BaseCommand):
    help = (
        "Import a folder of Markdown files, one per chapter in file-name order, as a book. "
        "Importing again makes a new revision of each changed chapter and keeps paragraph ids."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "folder", type=Path, nargs="?", help="a folder or a .zip of Markdown files"
        )
        parser.add_argument(
            "--git",
            type=Path,
            metavar="REPO",
            help="replay the history of a Git repository: one revision per commit",
        )
        parser.add_argument(
            "--since", help="with --git: start after this commit (default: the last imported)"
        )
        parser.add_argument("--until", default="HEAD", help="with --git: stop at this commit")
        parser.add_argument(
            "--path", default="", help="with --git: the folder of the chapter files in the repo"
        )
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
        if (options["git"] is None) == (options["folder"] is None):
            raise CommandError("Give either a folder (or .zip) or --git REPO.")
        if options["git"] is not None:
            return self.handle_git(options)
        try:
            files = read_source(options["folder"])
        except ImportRefused as error:
            raise CommandError(str(error)) from None
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

    def handle_git(self, options) -> None:
        slug = slugify(options["book"])
        if not slug or slug != options["book"]:
            raise CommandError(f"--book must be a slug (letters, digits, hyphens): try '{slug}'.")
        try:
            book, outcomes = history_import(
                book_slug=slug,
                repo=options["git"],
                since=options["since"],
                until=options["until"],
                folder=options["path"],
                title=options["title"],
            )
        except ImportRefused as error:
            raise CommandError(str(error)) from None
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        for outcome in outcomes:
            commit = outcome.commit
            subject = commit.message.splitlines()[0] if commit.message else ""
            what = ", ".join(outcome.revised) or "no chapter changed"
            if outcome.archived:
                what += f"; archived {', '.join(outcome.archived)}"
            self.stdout.write(f"{commit.sha[:10]} {subject[:60]}: {what}")
        self.stdout.write(
            self.style.SUCCESS(f"Imported {len(outcomes)} commits into '{book.slug}'.")
        )
