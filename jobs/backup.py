"""A full backup of one book as JSON, and restoring it into a database without it.

The backup holds the book, every chapter with every revision and its blocks,
every comment (replies, edits, votes, flags, decisions, anchors), and the
people involved with their acknowledgement and email choices. It never holds
password hashes or API tokens: restored people get an unusable password and set
a new one through "Forgotten your password?".

A backup file is untrusted input: restoring renders every piece of HTML again
from its Markdown, validates every record before writing it, and refuses people
who already have accounts unless asked to map them.
"""

import re
from collections.abc import Iterable
from datetime import UTC

import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.models import Profile
from chapters.models import Block, Book, Chapter, ChapterRevision
from comments.models import MAX_DEPTH, WHOLE_BOOK, Comment, CommentEdit, Flag, Vote
from wethink.rendering import render_chapter, render_comment

FORMAT = "wethink-backup"
VERSION = 1


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _name(user) -> str | None:
    return user.get_username() if user is not None else None


def book_backup(*, book: Book) -> dict:
    """Everything about `book` as JSON-able data, in a stable order."""
    chapters = list(book.chapters.order_by("position", "id"))
    revisions = (
        ChapterRevision.objects.filter(chapter__book=book)
        .select_related("editor", "chapter")
        .order_by("chapter_id", "number")
    )
    blocks: dict[int, list] = {}
    for block in Block.objects.filter(revision__chapter__book=book).order_by(
        "revision_id", "position"
    ):
        blocks.setdefault(block.revision_id, []).append(
            [block.position, block.pid, block.kind, block.html, block.text]
        )
    by_chapter: dict[int, list] = {}
    for revision in revisions:
        by_chapter.setdefault(revision.chapter_id, []).append(
            {
                "number": revision.number,
                "title": revision.title,
                "text": revision.text,
                "editor": _name(revision.editor),
                "message": revision.message,
                "created_at": _when(revision.created_at),
                "restored_from": revision.restored_from,
                "block_count": revision.block_count,
                "lineage": revision.lineage,
                "blocks": blocks.get(revision.pk, []),
            }
        )
    comments = list(
        Comment.objects.filter(book=book)
        .select_related("chapter", "author", "decided_by", "revision__chapter")
        .select_related("incorporated_in__chapter")
        .order_by("id")
    )
    # Backup-local keys, 1, 2, 3 … in creation order, so the file does not depend on
    # the database's ids.
    keys = {comment.pk: number for number, comment in enumerate(comments, start=1)}
    edits: dict[int, list] = {}
    for edit in CommentEdit.objects.filter(comment__book=book).order_by("comment_id", "id"):
        edits.setdefault(edit.comment_id, []).append(
            {
                "body": edit.body,
                "suggestion": edit.suggestion,
                "quote_exact": edit.quote_exact,
                "replaced_at": _when(edit.replaced_at),
            }
        )
    people: dict = {}
    votes: dict[int, list] = {}
    for vote in Vote.objects.filter(comment__book=book).select_related("user").order_by("id"):
        people[vote.user.pk] = vote.user
        votes.setdefault(vote.comment_id, []).append(
            {"user": _name(vote.user), "created_at": _when(vote.created_at)}
        )
    flags: dict[int, list] = {}
    for flag in Flag.objects.filter(comment__book=book).select_related("user").order_by("id"):
        people[flag.user.pk] = flag.user
        flags.setdefault(flag.comment_id, []).append(
            {
                "user": _name(flag.user),
                "kind": flag.kind,
                "reason": flag.reason,
                "created_at": _when(flag.created_at),
                "resolved_at": _when(flag.resolved_at),
            }
        )
    people.update({user.pk: user for user in book.editors.all()})
    for revision in revisions:
        if revision.editor is not None:
            people[revision.editor.pk] = revision.editor
    for comment in comments:
        people[comment.author.pk] = comment.author
        if comment.decided_by is not None:
            people[comment.decided_by.pk] = comment.decided_by
    profiles = {p.user_id: p for p in Profile.objects.filter(user_id__in=list(people))}
    return {
        "format": FORMAT,
        "version": VERSION,
        "people": [_person(user, profiles.get(user.pk)) for user in _sorted_people(people)],
        "book": {
            "title": book.title,
            "slug": book.slug,
            "description": book.description,
            "status": book.status,
            "moderation": book.moderation,
            "comments_close_at": _when(book.comments_close_at),
            "created_at": _when(book.created_at),
            "editors": sorted(user.get_username() for user in book.editors.all()),
        },
        "chapters": [
            {
                "slug": chapter.slug,
                "position": chapter.position,
                "title": chapter.title,
                "text": chapter.text,
                "status": chapter.status,
                "comment_period": chapter.comment_period,
                "comments_close_at": _when(chapter.comments_close_at),
                "opens_at": _when(chapter.opens_at),
                "opening_sent_at": _when(chapter.opening_sent_at),
                "revision": chapter.revision,
                "revisions": by_chapter.get(chapter.pk, []),
            }
            for chapter in chapters
        ],
        "comments": [_comment(c, keys, edits, votes, flags) for c in comments],
    }


def _sorted_people(people: dict) -> list:
    return sorted(people.values(), key=lambda user: user.get_username())


def _person(user, profile: Profile | None) -> dict:
    return {
        "username": user.get_username(),
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "date_joined": _when(user.date_joined),
        "is_active": user.is_active,
        "profile": None
        if profile is None
        else {
            "credit_as": profile.credit_as,
            "credit_name": profile.credit_name,
            "notify_replies": profile.notify_replies,
            "notify_decisions": profile.notify_decisions,
        },
    }


def _comment(comment: Comment, keys: dict, edits: dict, votes: dict, flags: dict) -> dict:
    incorporated = comment.incorporated_in
    return {
        "key": keys[comment.pk],
        # None for a comment on the book as a whole (and then no revision).
        "chapter": None if comment.chapter is None else comment.chapter.slug,
        "pid": comment.pid,
        "revision": None
        if comment.revision is None
        else [comment.revision.chapter.slug, comment.revision.number],
        "origin_pid": comment.origin_pid,
        "block_text": comment.block_text,
        "quote_exact": comment.quote_exact,
        "quote_prefix": comment.quote_prefix,
        "quote_suffix": comment.quote_suffix,
        "body": comment.body,
        "body_html": comment.body_html,
        "suggestion": comment.suggestion,
        "parent": keys.get(comment.parent_id),
        "depth": comment.depth,
        "author": _name(comment.author),
        "created_at": _when(comment.created_at),
        "edited_at": _when(comment.edited_at),
        "deleted_at": _when(comment.deleted_at),
        "moderation": comment.moderation,
        "moderation_reason": comment.moderation_reason,
        "anchor_state": comment.anchor_state,
        "decision": comment.decision,
        "decided_by": _name(comment.decided_by),
        "decided_at": _when(comment.decided_at),
        "decision_reason": comment.decision_reason,
        "incorporated_in": None
        if incorporated is None
        else [incorporated.chapter.slug, incorporated.number],
        "vote_count": comment.vote_count,
        "canonical": comment.canonical,
        "via": comment.via,
        "tags": comment.tags,
        "edits": edits.get(comment.pk, []),
        "votes": votes.get(comment.pk, []),
        "flags": flags.get(comment.pk, []),
    }


class BackupError(ValidationError):
    """A backup that cannot be restored; the message names the record and the problem."""


# Pids are issued by chapters.services and appear in URLs and element ids.
PID = re.compile(r"^[-a-zA-Z0-9_]{1,16}$")


def _dt(value, where: str):
    if value in (None, ""):
        return None
    try:
        parsed = parse_datetime(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise BackupError(f"{where}: {value!r} is not a date and time.")
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, UTC)
    return parsed


def _require(data, keys: Iterable[str], where: str) -> None:
    if not isinstance(data, dict):
        raise BackupError(f"The backup's {where} is not a JSON object.")
    for key in keys:
        if key not in data:
            raise BackupError(f"The backup has no {key!r} in {where}.")


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise BackupError(f"{where} is not a list in the backup.")
    return value


def _pid(value, where: str) -> str:
    if not isinstance(value, str) or not PID.match(value):
        raise BackupError(f"{where}: {value!r} is not a paragraph id.")
    return value


def _clean(instance, where: str, *, exclude: Iterable[str] = (), constraints: bool = True):
    """`full_clean()`, with a message that says which record of the backup is wrong."""
    try:
        instance.full_clean(exclude=list(exclude), validate_constraints=constraints)
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            problems = "; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            )
        else:
            problems = " ".join(error.messages)
        raise BackupError(f"{where}: {problems}") from None
    return instance


def _nul_free(value, where: str = "") -> None:
    """PostgreSQL cannot store NUL in text, and no text of the site holds one."""
    if isinstance(value, str):
        if "\x00" in value:
            raise BackupError(f"The backup holds a NUL character at {where or 'its top'}.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _nul_free(key, where)
            _nul_free(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for number, item in enumerate(value):
            _nul_free(item, f"{where}[{number}]")


def _lineage(value, where: str) -> dict:
    if not isinstance(value, dict) or not set(value) <= {"split_from", "merged"}:
        raise BackupError(f"{where}: the lineage is not as wethink writes it.")
    for part in value.values():
        if not isinstance(part, dict) or not all(
            PID.match(k) and isinstance(v, str) and PID.match(v) for k, v in part.items()
        ):
            raise BackupError(f"{where}: the lineage is not as wethink writes it.")
    return value


def backup_restore(*, data: dict, map_existing_users: bool = False) -> Book:
    """Restore a backup into a database that does not have its book; all or nothing.

    The file is untrusted input. Every block's HTML is rendered again from its
    revision's Markdown and every comment's from its Markdown body, so HTML in the
    file is never shown; the file's pids are given, in order, to the re-rendered
    blocks. Every record is validated (`full_clean`) before it is written, and any
    problem raises `BackupError` naming the record, with nothing written.

    People in the backup whose usernames exist already are refused unless
    `map_existing_users` is true; then their records are attached to those
    accounts (which are left as they are). New people get an unusable password.
    Each chapter gets one django-reversion revision ("Restored from backup") as
    the admin history's starting point."""
    try:
        return _restore(data=data, map_existing_users=map_existing_users)
    except IntegrityError as error:
        # A clash the checks above did not foresee (a database constraint); the
        # transaction is rolled back, so nothing was written.
        raise BackupError(f"The backup clashes with the database: {error}") from None


@transaction.atomic
def _restore(*, data: dict, map_existing_users: bool) -> Book:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError("This is not a wethink backup.")
    if data.get("version") != VERSION:
        raise BackupError(f"Backup version {data.get('version')!r} is not supported.")
    _require(data, ("people", "book", "chapters", "comments"), "file")
    _nul_free(data)
    _require(data["book"], ("slug", "title", "status", "editors"), "book")
    if Book.objects.filter(slug=data["book"]["slug"]).exists():
        raise BackupError(f"A book with slug {data['book']['slug']!r} exists already.")

    users = _restore_people(_list(data["people"], "people"), map_existing=map_existing_users)

    def user(name):
        if name is None:
            return None
        if not isinstance(name, str) or name not in users:
            raise BackupError(f"The backup names {name!r} but lists no such person.")
        return users[name]

    spec = data["book"]
    book = Book(
        title=spec["title"],
        slug=spec["slug"],
        description=spec.get("description", ""),
        status=spec["status"],
        moderation=spec.get("moderation", Book.Moderation.IMMEDIATE),
        comments_close_at=_dt(spec.get("comments_close_at"), "The book"),
    )
    _clean(book, "The book")
    book.save()
    if spec.get("created_at"):
        Book.objects.filter(pk=book.pk).update(created_at=_dt(spec["created_at"], "The book"))
    book.editors.set([user(name) for name in _list(spec["editors"], "The book's editors")])

    revisions: dict[tuple[str, int], ChapterRevision] = {}
    chapters: dict[str, Chapter] = {}
    for item in _list(data["chapters"], "chapters"):
        _require(item, ("slug", "title", "text", "revision", "revisions"), "chapter")
        chapter = _restore_chapter(book, item, user, revisions)
        chapters[chapter.slug] = chapter

    def revision_at(pair, where):
        if pair is None:
            return None
        found = None
        if isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str):
            found = revisions.get((pair[0], pair[1]))
        if found is None:
            raise BackupError(f"{where} refers to a missing revision {pair!r}.")
        return found

    restored: dict[int, Comment] = {}
    items = _list(data["comments"], "comments")
    for item in items:
        _require(item, ("key",), "comment")
        if not isinstance(item["key"], int) or isinstance(item["key"], bool):
            raise BackupError(f"Comment key {item['key']!r} is not a number.")
    if len({item["key"] for item in items}) != len(items):
        raise BackupError("Two comments in the backup have the same key.")
    for item in sorted(items, key=lambda c: c["key"]):
        where = f"Comment {item['key']}"
        _require(item, COMMENT_KEYS, where.lower())
        on_book = item["chapter"] is None
        if on_book:
            _book_wide_check(item, where)
        if not on_book and item["chapter"] not in chapters:
            raise BackupError(f"{where} is on a missing chapter {item['chapter']!r}.")
        parent = None
        if item["parent"] is not None:
            parent = restored.get(item["parent"])
            if parent is None:
                raise BackupError(f"{where} replies to {item['parent']!r}, not an earlier comment.")
        expected = 0 if parent is None else parent.depth + 1
        if item["depth"] != expected or expected > MAX_DEPTH:
            raise BackupError(f"{where}: depth {item['depth']!r} does not match its thread.")
        deleted_at = _dt(item["deleted_at"], where)
        body = item["body"] if isinstance(item["body"], str) else None
        if body is None:
            raise BackupError(f"{where}: the body is not text.")
        comment = Comment(
            book=book,
            chapter=None if on_book else chapters[item["chapter"]],
            pid=_pid(item["pid"], where),
            revision=None if on_book else revision_at(item["revision"], where),
            origin_pid=_pid(item["origin_pid"], where),
            block_text=item["block_text"],
            quote_exact=item["quote_exact"],
            quote_prefix=item["quote_prefix"],
            quote_suffix=item["quote_suffix"],
            body=body,
            # Never the file's HTML: rendered and sanitised again from the Markdown.
            body_html=render_comment(body),
            suggestion=item["suggestion"],
            parent=parent,
            depth=item["depth"],
            author=user(item["author"]),
            edited_at=_dt(item["edited_at"], where),
            deleted_at=deleted_at,
            moderation=item["moderation"],
            moderation_reason=item["moderation_reason"],
            anchor_state=item["anchor_state"],
            decision=item["decision"],
            decided_by=user(item["decided_by"]),
            decided_at=_dt(item["decided_at"], where),
            decision_reason=item["decision_reason"],
            incorporated_in=revision_at(item["incorporated_in"], where),
            vote_count=item["vote_count"],
            # Absent from backups made before the annotations API kept them.
            canonical=item.get("canonical", ""),
            via=item.get("via", ""),
            tags=item.get("tags", []),
        )
        if (comment.revision is None and not on_book) or comment.author is None:
            raise BackupError(f"{where} has no revision or no author.")
        if parent is not None and (parent.chapter_id is None) != on_book:
            raise BackupError(f"{where} is not in the thread of the comment it replies to.")
        # A deleted comment keeps no text; the related records were made here.
        exclude = [*COMMENT_RELATIONS, *(("body", "body_html") if deleted_at else ())]
        _clean(comment, where, exclude=exclude)
        comment.save()
        created_at = _dt(item["created_at"], where)
        if created_at is not None:
            comment.created_at = created_at
        restored[item["key"]] = comment
        _restore_comment_records(comment, item, user, where)
    Comment.objects.bulk_update(list(restored.values()), ["created_at"], batch_size=500)
    return book


def _book_wide_check(item: dict, where: str) -> None:
    """A comment on the book as a whole has no revision, pid WHOLE_BOOK, and nothing a
    revision could move or fold: no quote, no suggestion, never incorporated."""
    if item["revision"] is not None or item["pid"] != WHOLE_BOOK:
        raise BackupError(
            f"{where} is on the book as a whole: it has no revision and its pid is {WHOLE_BOOK!r}."
        )
    if (
        item["anchor_state"] != Comment.AnchorState.CURRENT
        or item["decision"] == Comment.Decision.INCORPORATED
        or item["incorporated_in"] is not None
        or item["suggestion"]
        or item["quote_exact"]
    ):
        raise BackupError(
            f"{where} is on the book as a whole: it has no quote or suggested wording, "
            "stays current and is never folded into a revision."
        )


COMMENT_KEYS = (
    "chapter",
    "pid",
    "revision",
    "origin_pid",
    "block_text",
    "quote_exact",
    "quote_prefix",
    "quote_suffix",
    "body",
    "suggestion",
    "parent",
    "depth",
    "author",
    "created_at",
    "edited_at",
    "deleted_at",
    "moderation",
    "moderation_reason",
    "anchor_state",
    "decision",
    "decided_by",
    "decided_at",
    "decision_reason",
    "incorporated_in",
    "vote_count",
)
# Set from records made by the restore itself, so they exist.
COMMENT_RELATIONS = (
    "book",
    "chapter",
    "revision",
    "parent",
    "author",
    "decided_by",
    "incorporated_in",
)


def _restore_chapter(book: Book, item: dict, user, revisions: dict) -> Chapter:
    where = f"Chapter {item['slug']!r}"
    chapter = Chapter(
        book=book,
        slug=item["slug"],
        position=item.get("position", 0),
        title=item["title"],
        text=item["text"],
        status=item.get("status", Chapter.Status.PUBLISHED),
        comment_period=item.get("comment_period", Chapter.CommentPeriod.BOOK),
        comments_close_at=_dt(item.get("comments_close_at"), where),
        opens_at=_dt(item.get("opens_at"), where),
        opening_sent_at=_dt(item.get("opening_sent_at"), where),
        revision=item["revision"],
    )
    _clean(chapter, where, exclude=["book"])
    chapter.save()
    made, blocks = [], []
    for rev in _list(item["revisions"], f"{where}'s revisions"):
        _require(rev, ("number", "title", "text", "created_at", "blocks"), "revision")
        at = f"{where}, revision {rev['number']!r}"
        if not isinstance(rev["text"], str):
            raise BackupError(f"{at}: the text is not text.")
        revision = ChapterRevision(
            chapter=chapter,
            number=rev["number"],
            title=rev["title"],
            text=rev["text"],
            editor=user(rev.get("editor")),
            message=rev.get("message", ""),
            restored_from=rev.get("restored_from"),
            lineage=_lineage(rev.get("lineage", {}), at),
        )
        _clean(revision, at, exclude=["chapter", "editor"], constraints=False)
        if (chapter.slug, revision.number) in revisions:
            raise BackupError(f"{at} appears twice.")
        revisions[(chapter.slug, revision.number)] = revision
        # Never the file's HTML: each block is rendered and sanitised again from
        # the revision's Markdown, and takes the file's pid in reading order.
        rendered = render_chapter(revision.text)
        listed = _list(rev["blocks"], f"{at}'s blocks")
        if len(listed) != len(rendered):
            raise BackupError(
                f"{at}: the backup lists {len(listed)} blocks but the text renders as "
                f"{len(rendered)}; it was made by a different version of the renderer "
                "or edited by hand."
            )
        pids = [_pid(b[1] if isinstance(b, list) and len(b) > 1 else None, at) for b in listed]
        if len(set(pids)) != len(pids):
            raise BackupError(f"{at}: two blocks have the same paragraph id.")
        revision.block_count = len(rendered)
        made.append((revision, _dt(rev["created_at"], at)))
        for position, (pid, block) in enumerate(zip(pids, rendered, strict=True), start=1):
            blocks.append(
                _clean(
                    Block(
                        revision=revision,
                        position=position,
                        pid=pid,
                        kind=block.kind,
                        html=block.html,
                        text=block.text,
                    ),
                    f"{at}, block {position}",
                    exclude=["revision"],
                    constraints=False,
                )
            )
    numbers = {number for slug, number in revisions if slug == chapter.slug}
    if chapter.revision not in numbers and (numbers or chapter.revision != 0):
        raise BackupError(f"{where}: its current revision {chapter.revision} is not in the backup.")
    ChapterRevision.objects.bulk_create(revision for revision, _ in made)
    for revision, created_at in made:
        if created_at is not None:
            revision.created_at = created_at
    ChapterRevision.objects.bulk_update([revision for revision, _ in made], ["created_at"])
    for block in blocks:
        block.revision_id = block.revision.pk
    Block.objects.bulk_create(blocks)
    chapter.current_revision = revisions.get((chapter.slug, chapter.revision))
    with reversion.create_revision():
        chapter.save()
        reversion.set_comment("Restored from backup")
    return chapter


def _restore_comment_records(comment: Comment, item: dict, user, where: str) -> None:
    for edit in _list(item.get("edits", []), f"{where}'s edits"):
        _require(edit, ("body", "suggestion", "quote_exact", "replaced_at"), "comment edit")
        made = CommentEdit(
            comment=comment,
            body=edit["body"],
            suggestion=edit["suggestion"],
            quote_exact=edit["quote_exact"],
        )
        _clean(made, f"{where}, an earlier text", exclude=["comment"])
        made.save()
        CommentEdit.objects.filter(pk=made.pk).update(
            replaced_at=_dt(edit["replaced_at"], where) or made.replaced_at
        )
    voters = set()
    for vote in _list(item.get("votes", []), f"{where}'s votes"):
        _require(vote, ("user", "created_at"), "vote")
        made = Vote(comment=comment, user=user(vote["user"]))
        if made.user is None or made.user.pk in voters:
            raise BackupError(f"{where}: a vote without a person, or a second vote by one.")
        voters.add(made.user.pk)
        _clean(made, f"{where}, a vote", exclude=["comment", "user"], constraints=False)
        made.save()
        Vote.objects.filter(pk=made.pk).update(
            created_at=_dt(vote["created_at"], where) or made.created_at
        )
    flaggers = set()
    for flag in _list(item.get("flags", []), f"{where}'s flags"):
        _require(flag, ("user", "reason", "created_at", "resolved_at"), "flag")
        made = Flag(
            comment=comment,
            user=user(flag["user"]),
            kind=flag.get("kind", Flag.Kind.OTHER),
            reason=flag["reason"],
            resolved_at=_dt(flag["resolved_at"], where),
        )
        if made.user is None or made.user.pk in flaggers:
            raise BackupError(f"{where}: a flag without a person, or a second flag by one.")
        flaggers.add(made.user.pk)
        _clean(made, f"{where}, a flag", exclude=["comment", "user"], constraints=False)
        made.save()
        Flag.objects.filter(pk=made.pk).update(
            created_at=_dt(flag["created_at"], where) or made.created_at
        )


PROFILE_FIELDS = ("credit_as", "credit_name", "notify_replies", "notify_decisions")


def _restore_people(people: list, *, map_existing: bool) -> dict:
    users_model = get_user_model()
    for person in people:
        _require(person, ("username",), "person")
        if not isinstance(person["username"], str):
            raise BackupError(f"The username {person['username']!r} is not text.")
    names = [person["username"] for person in people]
    if len(set(names)) != len(names):
        raise BackupError("The backup lists a person twice.")
    existing = {
        user.get_username(): user for user in users_model.objects.filter(username__in=names)
    }
    if existing and not map_existing:
        raise BackupError(
            "These people have accounts here already: "
            + ", ".join(sorted(existing))
            + ". To attach the backup's comments and revisions to "
            "these accounts, restore again with the option to map existing users "
            "(import_backup --map-existing-users)."
        )
    # Mapping goes by the exact username; one that differs only in case would be a
    # second account that looks like the first, so it is refused either way.
    folded = {name.lower(): name for name in names if name not in existing}
    lookalikes = sorted(
        f"{folded[other.lower()]} ({other})"
        for other in users_model.objects.annotate(folded=Lower("username"))
        .filter(folded__in=list(folded))
        .values_list("username", flat=True)
        if other not in existing
    )
    if lookalikes:
        raise BackupError(
            "These people differ only in case from accounts here: "
            + ", ".join(lookalikes)
            + ". Rename them in the backup or in the database first."
        )
    users = dict(existing)
    for person in people:
        name = person["username"]
        if name in existing:
            continue
        where = f"Person {name!r}"
        user = users_model(
            username=name,
            email=person.get("email", ""),
            first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""),
            is_active=person.get("is_active", True),
        )
        if person.get("date_joined"):
            user.date_joined = _dt(person["date_joined"], where)
        user.set_unusable_password()
        _clean(user, where)
        user.save()
        if person.get("profile"):
            values = person["profile"]
            _require(values, (), "person's profile")
            profile = Profile.objects.filter(user=user).first() or Profile(user=user)
            for field in PROFILE_FIELDS:
                if field in values:
                    setattr(profile, field, values[field])
            _clean(profile, where, exclude=["user"])
            profile.save()
        users[name] = user
    return users
