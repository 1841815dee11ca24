import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chapters.management.commands.import_book import chapter_slug
from chapters.models import Book
from chapters.services import chapter_create, chapter_revise

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo"

# Demo accounts: username, password, staff. The passwords are printed on purpose;
# they exist only in a demo database.
DEMO_USERS = [
    ("reader", "reader-demo-1", False),
    ("editor", "editor-demo-1", False),
    ("admin", "admin-demo-1", True),
]


class Command(BaseCommand):
    help = "Load the demo book and the demo users reader, editor and admin. Safe to run again."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-demo-accounts",
            action="store_true",
            help="Create the demo accounts even with DEBUG off (a public demo site).",
        )

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        if not settings.DEBUG and not options["allow_demo_accounts"]:
            # The demo passwords are public; on a real site they would be a way in,
            # the admin account's included.
            raise CommandError(
                "DEBUG is off: load_demo would create the accounts reader, editor and admin "
                "(staff) with publicly known passwords. Run it with --allow-demo-accounts "
                "if this is meant to be a public demo."
            )
        users = {}
        for username, password, staff in DEMO_USERS:
            user, created = get_user_model().objects.get_or_create(
                username=username,
                defaults={
                    "email": f"{username}@example.org",
                    "is_staff": staff,
                    "is_superuser": staff,
                },
            )
            if created:
                user.set_password(password)
                user.save(update_fields=["password"])
            users[username] = user

        spec = json.loads((DEMO_DIR / "book.json").read_text(encoding="utf-8"))
        book, created = Book.objects.get_or_create(
            slug=spec["slug"],
            defaults={
                "title": spec["title"],
                "description": spec["description"],
                "status": Book.Status.OPEN,
            },
        )
        book.editors.add(users["editor"])
        existing = set(book.chapters.values_list("slug", flat=True))
        added = 0
        for position, chapter_spec in enumerate(spec["chapters"], start=1):
            final = DEMO_DIR / chapter_spec["file"]
            slug = chapter_slug(final)
            if slug in existing:
                continue
            drafts = [
                (DEMO_DIR / earlier["file"], earlier["message"])
                for earlier in chapter_spec.get("earlier", [])
            ]
            drafts.append((final, chapter_spec.get("message", "First draft")))
            (first, first_message), later = drafts[0], drafts[1:]
            text = first.read_text(encoding="utf-8")
            chapter = chapter_create(
                book=book,
                title=text.splitlines()[0].lstrip("# ").strip(),
                slug=slug,
                text=text,
                position=position,
                editor=users["editor"],
                message=first_message,
            )
            for path, message in later:
                chapter_revise(
                    chapter=chapter,
                    text=path.read_text(encoding="utf-8"),
                    editor=users["editor"],
                    message=message,
                )
            added += 1

        self.stdout.write(
            f"Demo book '{book.title}': {added} chapters added, {len(existing)} already there."
        )
        self.stdout.write("Demo logins (username / password):")
        for username, password, staff in DEMO_USERS:
            role = (
                "staff, the admin"
                if staff
                else ("editor of the demo book" if username == "editor" else "a reader")
            )
            self.stdout.write(f"  {username} / {password}   ({role})")
