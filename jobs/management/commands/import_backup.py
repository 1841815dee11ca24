import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from jobs.backup import backup_restore


class Command(BaseCommand):
    help = "Restore a book from a backup made by `export_book SLUG --format json`."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--map-existing-users",
            action="store_true",
            help=(
                "attach the backup's records to accounts that exist here with the same "
                "usernames (without it, such a backup is refused)"
            ),
        )

    def handle(self, *args, **options) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"{path} is not a file.")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"{path.name} is not a JSON backup: {error}") from None
        try:
            book = backup_restore(data=data, map_existing_users=options["map_existing_users"])
        except ValidationError as error:
            raise CommandError(f"Nothing was restored: {' '.join(error.messages)}") from None
        except (KeyError, TypeError, ValueError) as error:
            # A shape the checks in backup_restore do not name; still nothing is written.
            raise CommandError(
                f"Nothing was restored: the backup is not as wethink writes it ({error!r})."
            ) from None
        self.stdout.write(
            f"Restored '{book.slug}': {len(data['chapters'])} chapters, "
            f"{sum(len(c['revisions']) for c in data['chapters'])} revisions, "
            f"{len(data['comments'])} comments, {len(data['people'])} people."
        )
