import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from chapters.exporting import export_epub, export_html, export_markdown
from chapters.models import Book

FORMATS = ("markdown", "html", "epub", "json")


class Command(BaseCommand):
    help = (
        "Export a book: markdown (a folder of files import_book reads back), html (one "
        "file with contents), epub (EPUB 3), or json (a full backup for import_backup)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--format", required=True, choices=FORMATS)
        parser.add_argument("--output", required=True, type=Path)

    def handle(self, *args, **options) -> None:
        book = Book.objects.filter(slug=options["slug"]).first()
        if book is None:
            raise CommandError(f"No book with slug {options['slug']!r}.")
        output: Path = options["output"]
        kind = options["format"]
        if kind == "markdown":
            if output.exists() and (not output.is_dir() or any(output.iterdir())):
                raise CommandError(f"{output} must be a new or empty folder.")
            written = export_markdown(book, output)
            self.stdout.write(f"Wrote {len(written)} chapter files to {output}.")
            return
        if output.is_dir():
            raise CommandError(f"{output} is a folder; give a file name.")
        output.parent.mkdir(parents=True, exist_ok=True)
        if kind == "html":
            output.write_text(export_html(book), encoding="utf-8")
        elif kind == "epub":
            output.write_bytes(export_epub(book))
        else:
            from jobs.backup import book_backup

            data = json.dumps(book_backup(book=book), ensure_ascii=False, indent=1, sort_keys=True)
            output.write_text(data, encoding="utf-8")
        self.stdout.write(f"Wrote {kind} of {book.title!r} to {output}.")
