import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from chapters.backup import backup_restore


class Command(BaseCommand):
    help = "Restore a book from a backup made by `export_book SLUG --format json`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{path.name} is not a JSON backup: {error}") from None
        try:
            book = backup_restore(data=data)
        except (ValidationError, KeyError, TypeError) as error:
            message = " ".join(error.messages) if isinstance(error, ValidationError) else error
            raise CommandError(f"Nothing was restored: {message}") from None
        self.stdout.write(
            f"Restored '{book.slug}': {len(data['chapters'])} chapters, "
            f"{sum(len(c['revisions']) for c in data['chapters'])} revisions, "
            f"{len(data['comments'])} comments, {len(data['people'])} people."
        )
