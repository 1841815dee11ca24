"""A full backup of one book as JSON, and restoring it into a database without it.

The backup holds the book, every chapter with every revision and its blocks,
every comment (replies, edits, votes, flags, decisions, anchors), and the
people involved with their acknowledgement and email choices. It never holds
password hashes or API tokens: restored people get an unusable password and set
a new one through "Forgotten your password?".
"""

from collections.abc import Iterable

import reversion
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_datetime

from accounts.models import Profile
from chapters.models import Block, Book, Chapter, ChapterRevision
from comments.models import Comment, CommentEdit, Flag, Vote

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
        "chapter": comment.chapter.slug,
        "pid": comment.pid,
        "revision": [comment.revision.chapter.slug, comment.revision.number],
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
        "edits": edits.get(comment.pk, []),
        "votes": votes.get(comment.pk, []),
        "flags": flags.get(comment.pk, []),
    }


def _dt(value):
    return parse_datetime(value) if value else None


def _require(data: dict, keys: Iterable[str], where: str) -> None:
    for key in keys:
        if key not in data:
            raise ValidationError(f"The backup has no {key!r} in {where}.")


@transaction.atomic
def backup_restore(*, data: dict) -> Book:
    """Restore a backup into a database that does not have its book; all or nothing.

    Existing people with the same usernames are reused; new ones get an unusable
    password. Revisions, blocks and comments are restored as they were, with no
    re-rendering and no re-mapping of pids. Each chapter gets one django-reversion
    revision ("Restored from backup") as the admin history's starting point."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError("This is not a wethink backup.")
    if data.get("version") != VERSION:
        raise ValidationError(f"Backup version {data.get('version')!r} is not supported.")
    _require(data, ("people", "book", "chapters", "comments"), "the file")
    _require(data["book"], ("slug", "title", "status", "editors"), "the book")
    if Book.objects.filter(slug=data["book"]["slug"]).exists():
        raise ValidationError(f"A book with slug {data['book']['slug']!r} exists already.")

    users = _restore_people(data["people"])

    def user(name):
        if name is None:
            return None
        if name not in users:
            raise ValidationError(f"The backup names {name!r} but lists no such person.")
        return users[name]

    spec = data["book"]
    book = Book(
        title=spec["title"],
        slug=spec["slug"],
        description=spec.get("description", ""),
        status=spec["status"],
        moderation=spec.get("moderation", Book.Moderation.IMMEDIATE),
        comments_close_at=_dt(spec.get("comments_close_at")),
    )
    book.full_clean()
    book.save()
    if spec.get("created_at"):
        Book.objects.filter(pk=book.pk).update(created_at=_dt(spec["created_at"]))
    book.editors.set([user(name) for name in spec["editors"]])

    revisions: dict[tuple[str, int], ChapterRevision] = {}
    chapters: dict[str, Chapter] = {}
    for item in data["chapters"]:
        _require(item, ("slug", "title", "text", "revision", "revisions"), "a chapter")
        chapter = Chapter.objects.create(
            book=book,
            slug=item["slug"],
            position=item.get("position", 0),
            title=item["title"],
            text=item["text"],
            status=item.get("status", Chapter.Status.PUBLISHED),
            comment_period=item.get("comment_period", Chapter.CommentPeriod.BOOK),
            comments_close_at=_dt(item.get("comments_close_at")),
            revision=item["revision"],
        )
        chapters[chapter.slug] = chapter
        made = ChapterRevision.objects.bulk_create(
            ChapterRevision(
                chapter=chapter,
                number=rev["number"],
                title=rev["title"],
                text=rev["text"],
                editor=user(rev.get("editor")),
                message=rev.get("message", ""),
                restored_from=rev.get("restored_from"),
                block_count=rev.get("block_count", len(rev.get("blocks", []))),
                lineage=rev.get("lineage", {}),
            )
            for rev in item["revisions"]
        )
        for revision, rev in zip(made, item["revisions"], strict=True):
            revision.created_at = _dt(rev["created_at"])
            revisions[(chapter.slug, revision.number)] = revision
        ChapterRevision.objects.bulk_update(made, ["created_at"])
        Block.objects.bulk_create(
            Block(revision=revision, position=b[0], pid=b[1], kind=b[2], html=b[3], text=b[4])
            for revision, rev in zip(made, item["revisions"], strict=True)
            for b in rev.get("blocks", [])
        )
        chapter.current_revision = revisions.get((chapter.slug, item["revision"]))
        with reversion.create_revision():
            chapter.save()
            reversion.set_comment("Restored from backup")

    def revision_at(pair):
        if pair is None:
            return None
        found = revisions.get((pair[0], pair[1]))
        if found is None:
            raise ValidationError(f"The backup refers to a missing revision {pair!r}.")
        return found

    restored: dict[int, Comment] = {}
    for item in sorted(data["comments"], key=lambda c: c["key"]):
        if item["chapter"] not in chapters:
            raise ValidationError(f"A comment is on a missing chapter {item['chapter']!r}.")
        comment = Comment.objects.create(
            book=book,
            chapter=chapters[item["chapter"]],
            pid=item["pid"],
            revision=revision_at(item["revision"]),
            origin_pid=item["origin_pid"],
            block_text=item["block_text"],
            quote_exact=item["quote_exact"],
            quote_prefix=item["quote_prefix"],
            quote_suffix=item["quote_suffix"],
            body=item["body"],
            body_html=item["body_html"],
            suggestion=item["suggestion"],
            parent=restored.get(item["parent"]) if item["parent"] else None,
            depth=item["depth"],
            author=user(item["author"]),
            edited_at=_dt(item["edited_at"]),
            deleted_at=_dt(item["deleted_at"]),
            moderation=item["moderation"],
            moderation_reason=item["moderation_reason"],
            anchor_state=item["anchor_state"],
            decision=item["decision"],
            decided_by=user(item["decided_by"]),
            decided_at=_dt(item["decided_at"]),
            decision_reason=item["decision_reason"],
            incorporated_in=revision_at(item["incorporated_in"]),
            vote_count=item["vote_count"],
        )
        comment.created_at = _dt(item["created_at"])
        restored[item["key"]] = comment
        for edit in item.get("edits", []):
            made = CommentEdit.objects.create(
                comment=comment,
                body=edit["body"],
                suggestion=edit["suggestion"],
                quote_exact=edit["quote_exact"],
            )
            CommentEdit.objects.filter(pk=made.pk).update(replaced_at=_dt(edit["replaced_at"]))
        for vote in item.get("votes", []):
            made = Vote.objects.create(comment=comment, user=user(vote["user"]))
            Vote.objects.filter(pk=made.pk).update(created_at=_dt(vote["created_at"]))
        for flag in item.get("flags", []):
            made = Flag.objects.create(
                comment=comment,
                user=user(flag["user"]),
                reason=flag["reason"],
                resolved_at=_dt(flag["resolved_at"]),
            )
            Flag.objects.filter(pk=made.pk).update(created_at=_dt(flag["created_at"]))
    Comment.objects.bulk_update(list(restored.values()), ["created_at"], batch_size=500)
    return book


def _restore_people(people: list) -> dict:
    users_model = get_user_model()
    users = {}
    for person in people:
        _require(person, ("username",), "a person")
        user = users_model.objects.filter(username=person["username"]).first()
        if user is None:
            user = users_model(
                username=person["username"],
                email=person.get("email", ""),
                first_name=person.get("first_name", ""),
                last_name=person.get("last_name", ""),
                is_active=person.get("is_active", True),
            )
            if person.get("date_joined"):
                user.date_joined = _dt(person["date_joined"])
            user.set_unusable_password()
            user.save()
            if person.get("profile"):
                Profile.objects.update_or_create(user=user, defaults=person["profile"])
        users[user.get_username()] = user
    return users
