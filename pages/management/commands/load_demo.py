import json
import logging
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.services import profile_update
from chapters.importing import chapter_slug
from chapters.models import Block, Book, Chapter
from chapters.selectors import current_block_texts
from chapters.services import chapter_create
from comments import services as comment_services
from comments.decisions import comments_decide
from comments.folding import fold_save, suggestions_apply
from comments.models import WHOLE_CHAPTER, Comment
from comments.revising import chapter_revise

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

    def handle(self, *args, **options) -> None:
        # Seeding decides comments, whose emails run as tasks once the load commits:
        # a log line per task would bury the demo logins.
        tasks_log = logging.getLogger("django.tasks")
        level = tasks_log.level
        tasks_log.setLevel(logging.WARNING)
        try:
            self._load(**options)
        finally:
            tasks_log.setLevel(level)
        self.stdout.write("Demo logins (username / password):")
        for username, password, staff in DEMO_USERS:
            role = (
                "staff, the admin"
                if staff
                else ("editor of the demo book" if username == "editor" else "a reader")
            )
            self.stdout.write(f"  {username} / {password}   ({role})")

    @transaction.atomic
    def _load(self, **options) -> None:
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
        seeded = comments_seed(book=book, editor=users["editor"])
        if seeded:
            self.stdout.write(f"Demo readers' comments: {seeded} added.")


def comments_seed(*, book: Book, editor) -> int:
    """The demo readers and their comments (pages/demo/comments.json), once.

    Everything is written through the services a reader or an editor uses, in an
    order that leaves a comment in every state: on an earlier revision, on text a
    later revision removed, replied to, voted on, edited, deleted, flagged,
    accepted, declined, deferred, incorporated by a fold (so the diff and the
    acknowledgements show it) and awaiting approval. Nothing is written when the
    demo readers have commented on the book before. Returns the comments added."""
    spec = json.loads((DEMO_DIR / "comments.json").read_text(encoding="utf-8"))
    names = [reader["username"] for reader in spec["readers"]]
    if Comment.objects.filter(book=book, author__username__in=names).exists():
        return 0
    people = {"editor": editor}
    for reader in spec["readers"]:
        user, created = get_user_model().objects.get_or_create(
            username=reader["username"], defaults={"email": ""}
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        profile_update(
            user=user,
            credit_as=reader["credit_as"],
            credit_name=reader["credit_name"],
            notify_replies=False,
            notify_decisions=False,
        )
        people[user.get_username()] = user
    chapters = {chapter.slug: chapter for chapter in book.chapters.all()}
    before = Comment.objects.filter(book=book).count()
    later = [item for item in spec["comments"] if item.get("pending")]
    folded = []
    for item in spec["comments"]:
        if item.get("pending"):
            continue
        comment = _comment_seed(item, book=book, chapters=chapters, people=people)
        if comment is not None and item.get("fold"):
            folded.append(comment)
    if folded:
        _fold(comments=folded, editor=editor, message=spec["fold_message"])
    if later:
        chapters = {chapter.slug: chapter for chapter in book.chapters.all()}
        # A new reader's first comment waits for approval only where the book asks
        # for it: the demo book asks for it while these are written.
        moderation = book.moderation
        book.moderation = Book.Moderation.FIRST_COMMENT
        book.save(update_fields=["moderation"])
        for item in later:
            _comment_seed(item, book=book, chapters=chapters, people=people)
        book.moderation = moderation
        book.save(update_fields=["moderation"])
    return Comment.objects.filter(book=book).count() - before


def _comment_seed(
    item: dict, *, book: Book, chapters: dict[str, Chapter], people: dict
) -> Comment | None:
    """One comment of comments.json with its replies, votes, flags and decision;
    None when its chapter or paragraph is not in this database (a demo book
    loaded from an earlier version of the files). No chapter: on the book as a whole."""
    if item["chapter"] is None:
        comment = comment_services.comment_create_on_book(
            user=people[item["author"]], book=book, body=item["body"]
        )
        return _extras_seed(comment, item, people=people)
    chapter = chapters.get(item["chapter"])
    if chapter is None:
        return None
    revision = chapter.current_revision
    if "revision" in item:
        revision = chapter.revisions.filter(number=item["revision"]).first()
    if revision is None:
        return None
    if item["paragraph"] is None:  # on the chapter as a whole
        pid = WHOLE_CHAPTER
    else:
        block = Block.objects.filter(revision=revision, text__startswith=item["paragraph"]).first()
        if block is None:
            return None
        pid = block.pid
    author = people[item["author"]]
    comment = comment_services.comment_create(
        user=author,
        chapter=chapter,
        pid=pid,
        revision=revision,
        body=item["body"],
        quote=item.get("quote", ""),
        suggestion=item.get("suggestion", ""),
    )
    return _extras_seed(comment, item, people=people)


def _extras_seed(comment: Comment, item: dict, *, people: dict) -> Comment:
    """A seeded comment's replies, votes, flags, edit, decision and removal."""
    author = comment.author
    _replies_seed(comment, item.get("replies", []), people=people)
    for voter in item.get("votes", []):
        comment_services.vote_toggle(user=people[voter], comment=comment, voted=True)
    for flag in item.get("flags", []):
        comment_services.flag_create(
            user=people[flag["by"]], comment=comment, reason=flag["reason"]
        )
    if "edit" in item:
        comment = comment_services.comment_edit(user=author, comment=comment, body=item["edit"])
    if "decision" in item:
        comments_decide(
            user=people["editor"],
            comments=[comment],
            decision=item["decision"],
            reason=item.get("reason", ""),
        )
    if item.get("delete"):
        comment_services.comment_delete(user=author, comment=comment)
    comment.refresh_from_db()
    return comment


def _replies_seed(parent: Comment, replies: list[dict], *, people: dict) -> None:
    for item in replies:
        reply = comment_services.comment_reply(
            user=people[item["author"]], parent=parent, body=item["body"]
        )
        _replies_seed(reply, item.get("replies", []), people=people)


def _fold(*, comments: list[Comment], editor, message: str) -> None:
    """Fold accepted suggestions into their chapter as an editor does on the fold page."""
    chapter = Chapter.objects.get(pk=comments[0].chapter_id)
    folding = suggestions_apply(
        text=chapter.text, comments=comments, current_texts=current_block_texts(chapter)
    )
    refused = [a.reason for a in folding.applications if not a.applied]
    if refused:
        raise CommandError(f"A demo suggestion no longer applies: {refused}")
    fold_save(
        user=editor,
        chapter=chapter,
        base=chapter.revision,
        text=folding.text,
        message=message,
        folded=folding.applied_ids(),
        pid_hints=folding.hints,
    )
