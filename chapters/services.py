"""Every write to books and chapters.

A chapter's text changes in exactly one place, `chapters_revise`: it renders the
Markdown once, maps the paragraph ids from the previous revision, stores the
blocks and records a django-reversion revision, all in one transaction.

Comments live in a layer above this one, yet every revision must move them. So
each service that revises takes `comments_follow`, a required argument: what moves
the comments once the revisions are written, in the same transaction (the site
passes `comments.anchoring.comments_reanchor`, through `comments.revising`). A
revision cannot be written without the caller saying what follows it.
"""

import dataclasses
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import reversion
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F, Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from chapters.anchoring import Alignment, Anchor, align_book
from chapters.models import Block, Book, Chapter, ChapterRevision
from chapters.opening import opening_schedule
from chapters.reading import keep_after_revision
from wethink.rendering import RenderedBlock, render_chapter

# Moves the comments of the revisions just written (`comments_follow(revisions=…)`).
CommentsFollow = Callable[..., object]

PID_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"
PID_LENGTH = 6


def pid_new(*, taken: set[str]) -> str:
    """A fresh paragraph id, never one in `taken` (which it then joins)."""
    while True:
        pid = "".join(secrets.choice(PID_ALPHABET) for _ in range(PID_LENGTH))
        if pid not in taken:
            taken.add(pid)
            return pid


def book_pids_used(*, book: Book) -> set[str]:
    """Every pid any revision of the book has carried: retired pids are never reissued,
    so an old link or comment can never land on an unrelated new paragraph."""
    # No ordering: its columns would join the DISTINCT and make it return every block.
    return set(
        Block.objects.filter(revision__chapter__book=book)
        .order_by()
        .values_list("pid", flat=True)
        .distinct()
    )


def text_normalize(text: str) -> str:
    """One spelling of a chapter's Markdown: browsers post CRLF line ends, editors
    leave trailing blank lines; neither should make a revision of its own."""
    return text.replace("\r\n", "\n").replace("\r", "\n").rstrip() + "\n"


@dataclass(frozen=True)
class ChapterChange:
    """One chapter's new text.

    `base_revision` is the revision number the text was written against: when the
    chapter has a newer one, the change is refused (RevisionConflict) instead of
    silently undoing it. `pid_hints` maps an old pid to the plain text its block
    was given (an applied suggestion): the block with that text keeps the pid,
    whatever the similarity of the old and new wording.
    """

    chapter: Chapter
    text: str
    title: str | None = None
    base_revision: int | None = None
    pid_hints: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", text_normalize(self.text))


class RevisionConflict(ValidationError):
    """A change based on an older revision than the chapter's newest: refused, so
    that what was saved meanwhile is never overwritten.

    A ValidationError, so that any door that reports validation errors reports
    this one too; the doors that can show the difference catch it first.
    `newer` is the newest revision, or None when the race was only detected by the
    database (the transaction is then lost and the caller reads it afterwards).
    """

    def __init__(self, *, chapter: Chapter, base: int | None, newer: ChapterRevision | None):
        if newer is not None:
            message = _(
                "Revision %(newer)s of “%(title)s” was saved after revision %(base)s, "
                "which this change started from. Nothing was saved."
            ) % {"newer": newer.number, "title": chapter.title, "base": base}
        else:
            message = _(
                "Another revision of “%(title)s” was saved at the same moment. Nothing was saved."
            ) % {"title": chapter.title}
        super().__init__(message, code="conflict")
        self.chapter = chapter
        self.base = base
        self.newer = newer


def revision_base_check(*, chapter: Chapter, base: int | None) -> ChapterRevision | None:
    """Raise RevisionConflict when `chapter` has a revision newer than `base`.

    Meaningful only with the chapter row locked (`chapters_revise` locks it; a
    caller that validates before revising locks it first). Returns the newest
    revision."""
    latest = _latest_revision(chapter)
    if base is not None and (latest.number if latest is not None else 0) != base:
        raise RevisionConflict(chapter=chapter, base=base, newer=latest)
    return latest


def chapters_lock(*, chapters: Iterable[Chapter]) -> None:
    """Lock the chapters' rows until the transaction ends, always in pk order, so
    that two writers locking several chapters cannot deadlock.

    FOR NO KEY UPDATE: it serialises revisions of a chapter while comments (which
    only need the row to exist) can still be written meanwhile."""
    ids = sorted({chapter.pk for chapter in chapters if chapter.pk is not None})
    if ids:
        list(
            Chapter.objects.select_for_update(no_key=True)
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _latest_revision(chapter: Chapter) -> ChapterRevision | None:
    """The newest revision, read from the revisions themselves: the chapter's own
    pointer may have been rolled back by a reversion revert in the admin."""
    if chapter.pk is None:
        return None
    return ChapterRevision.objects.filter(chapter=chapter).order_by("-number").first()


def _anchors(revision: ChapterRevision | None) -> list[Anchor]:
    if revision is None:
        return []
    return [
        Anchor(pid=pid, text=text)
        for pid, text in Block.objects.filter(revision=revision)
        .order_by("position")
        .values_list("pid", "text")
    ]


def _restored_pids(
    *, chapter: Chapter, number: int, rendered: Sequence[RenderedBlock]
) -> list[str | None]:
    """The pids the restored revision had, where its blocks come back unchanged."""
    old = list(
        Block.objects.filter(revision__chapter=chapter, revision__number=number)
        .order_by("position")
        .values_list("pid", "text")
    )
    if len(old) != len(rendered):
        return [None] * len(rendered)
    return [
        pid if text == block.text else None
        for (pid, text), block in zip(old, rendered, strict=True)
    ]


def _race(error: Exception) -> bool:
    """A database error that only a concurrent save can cause: a second revision
    with the same number, or a deadlock."""
    cause = error.__cause__
    code = getattr(cause, "pgcode", None) or getattr(cause, "sqlstate", None)
    if isinstance(error, IntegrityError):
        return "chapter_revision_unique_number" in str(error) or (
            code == "23505" and "number" in str(error)
        )
    return code == "40P01"


def chapters_revise(
    *,
    changes: Sequence[ChapterChange],
    editor: AbstractBaseUser | None,
    message: str,
    comments_follow: CommentsFollow,
    restored_from: int | None = None,
    created_at: datetime | None = None,
) -> list[ChapterRevision]:
    """Make a new revision of each changed chapter of one book, together.

    The chapters' rows are locked first (in pk order); a change whose
    `base_revision` is not the chapter's newest revision is refused with
    RevisionConflict, before anything is written. Chapters whose text and title
    are unchanged get no revision. Blocks keep their pid across the revision (see
    `chapters.anchoring`, and `ChapterChange.pid_hints`), also when they moved
    between the chapters revised together. Returns the new revisions. The caller
    checks permissions.

    A race the locks should make impossible (the same revision number twice, a
    deadlock) is still reported as RevisionConflict, never as a server error.
    `created_at` dates the revisions when they record an earlier change (a Git
    commit); by default they are dated now.
    """
    try:
        return _chapters_revise(
            changes=changes,
            editor=editor,
            message=message,
            comments_follow=comments_follow,
            restored_from=restored_from,
            created_at=created_at,
        )
    except (IntegrityError, OperationalError) as error:
        if not _race(error):
            raise
        change = changes[0]
        raise RevisionConflict(
            chapter=change.chapter, base=change.base_revision, newer=None
        ) from error


def _hints_apply(
    alignments: Mapping[int, Alignment], chapter_pk: int, hints: Mapping[str, str], texts: list[str]
) -> None:
    """A hinted block is the one whose text is exactly the hinted text; it takes the
    hinted pid over whatever `align` inferred. A hinted text found in no block, or
    in several, leaves `align`'s result (already computed on the hinted text)."""
    alignment = alignments[chapter_pk]
    keys = [" ".join(text.split()) for text in texts]
    for pid, text in hints.items():
        found = [i for i, key in enumerate(keys) if key == " ".join(text.split())]
        if len(found) != 1 or alignment.pids[found[0]] == pid:
            continue
        for other in alignments.values():
            other.pids[:] = [None if p == pid else p for p in other.pids]
            other.merged.pop(pid, None)
        alignment.pids[found[0]] = pid
        alignment.split_from.pop(found[0], None)


@transaction.atomic
def _chapters_revise(
    *,
    changes: Sequence[ChapterChange],
    editor: AbstractBaseUser | None,
    message: str,
    comments_follow: CommentsFollow,
    restored_from: int | None,
    created_at: datetime | None = None,
) -> list[ChapterRevision]:
    if not changes:
        return []
    book = changes[0].chapter.book
    if any(change.chapter.book_id != book.pk for change in changes):
        raise ValueError("chapters_revise takes chapters of one book at a time.")
    chapters_lock(chapters=[change.chapter for change in changes])

    pending: list[tuple[ChapterChange, list[RenderedBlock], ChapterRevision | None]] = []
    for change in changes:
        chapter = change.chapter
        title = change.title if change.title is not None else chapter.title
        latest = revision_base_check(chapter=chapter, base=change.base_revision)
        if latest is not None and latest.text == change.text and latest.title == title:
            continue
        pending.append(
            (dataclasses.replace(change, title=title), render_chapter(change.text), latest)
        )
    if not pending:
        return []

    anchors: dict[int, list[Anchor]] = {}
    hints: dict[int, dict[str, str]] = {}
    for change, _blocks, latest in pending:
        old = _anchors(latest)
        known = {anchor.pid for anchor in old}
        # Only pids of the chapter's newest revision can be hinted.
        hints[change.chapter.pk] = {
            pid: text for pid, text in change.pid_hints.items() if pid in known
        }
        # Aligned as if the hinted paragraph already read as it was made to read.
        anchors[change.chapter.pk] = [
            Anchor(anchor.pid, hints[change.chapter.pk].get(anchor.pid, anchor.text))
            for anchor in old
        ]
    alignments = align_book(
        {
            change.chapter.pk: (anchors[change.chapter.pk], [b.text for b in blocks])
            for change, blocks, latest in pending
        }
    )
    for change, blocks, _latest in pending:
        _hints_apply(
            alignments, change.chapter.pk, hints[change.chapter.pk], [b.text for b in blocks]
        )
    taken = book_pids_used(book=book)
    revisions = []
    with reversion.create_revision():
        for change, blocks, latest in pending:
            chapter = change.chapter
            alignment = alignments[chapter.pk]
            pids = list(alignment.pids)
            if restored_from is not None:
                in_use = set(pids) | _pids_elsewhere(chapter)
                for i, pid in enumerate(
                    _restored_pids(chapter=chapter, number=restored_from, rendered=blocks)
                ):
                    if pids[i] is None and pid is not None and pid not in in_use:
                        pids[i] = pid
                        in_use.add(pid)
            new_pids = [pid or pid_new(taken=taken) for pid in pids]
            lineage = {
                "split_from": {new_pids[i]: old for i, old in alignment.split_from.items()},
                "merged": {old: new_pids[i] for old, i in alignment.merged.items()},
            }
            number = latest.number + 1 if latest is not None else 1
            revision = ChapterRevision(
                chapter=chapter,
                number=number,
                title=change.title,
                text=change.text,
                editor=editor if editor is not None and editor.is_authenticated else None,
                message=message[:500],
                restored_from=restored_from,
                block_count=len(blocks),
                lineage=lineage,
            )
            revision.full_clean(exclude=["chapter", "editor"])
            revision.save()
            if created_at is not None:
                # auto_now_add dates every save; an earlier date is set after it.
                revision.created_at = created_at
                ChapterRevision.objects.filter(pk=revision.pk).update(created_at=created_at)
            Block.objects.bulk_create(
                Block(
                    revision=revision,
                    position=n,
                    pid=pid,
                    kind=block.kind,
                    html=block.html,
                    text=block.text,
                )
                for n, (pid, block) in enumerate(zip(new_pids, blocks, strict=True), start=1)
            )
            chapter.text = change.text
            chapter.title = change.title
            chapter.revision = number
            chapter.current_revision = revision
            chapter.save()
            revisions.append(revision)
        if editor is not None and editor.is_authenticated:
            reversion.set_user(editor)
        reversion.set_comment(message)
        if created_at is not None:
            reversion.set_date_created(created_at)
    # The comments follow in the same transaction; the reading pages' parts of the
    # new revisions are built once it commits.
    comments_follow(revisions=revisions)
    keep_after_revision(revisions=revisions)
    return revisions


def _pids_elsewhere(chapter: Chapter) -> set[str]:
    """Pids that other chapters of the book carry in their current revisions."""
    return set(
        Block.objects.filter(
            revision__chapter__book_id=chapter.book_id,
            revision__chapter__current_revision=F("revision"),
        )
        .exclude(revision__chapter=chapter)
        .values_list("pid", flat=True)
    )


def chapter_revise(
    *,
    chapter: Chapter,
    text: str,
    editor: AbstractBaseUser | None,
    message: str,
    title: str | None = None,
    base_revision: int | None = None,
    pid_hints: Mapping[str, str] | None = None,
    comments_follow: CommentsFollow,
) -> ChapterRevision | None:
    """Make a new revision of one chapter; None when text and title are unchanged.

    Also saves the chapter's other fields as they are on the instance (position,
    status, slug), so the admin can save a chapter through this one function.
    Refused with RevisionConflict when `base_revision` is given and is not the
    newest revision.
    """
    with transaction.atomic():
        revisions = chapters_revise(
            changes=[ChapterChange(chapter, text, title, base_revision, dict(pid_hints or {}))],
            editor=editor,
            message=message,
            comments_follow=comments_follow,
        )
        if not revisions:
            chapter.full_clean(exclude=["current_revision"])
            chapter.save()
    return revisions[0] if revisions else None


def _nothing_follows(*, revisions: Sequence[ChapterRevision]) -> None:
    pass


@transaction.atomic
def chapter_create(
    *,
    book: Book,
    title: str,
    text: str,
    editor: AbstractBaseUser | None,
    message: str = "",
    slug: str = "",
    position: int | None = None,
    status: str = Chapter.Status.PUBLISHED,
    opens_at: datetime | None = None,
) -> Chapter:
    """Add a chapter to a book, with its first revision; with `opens_at`, it becomes
    public then (`chapters.opening`)."""
    if position is None:
        position = (book.chapters.aggregate(p=Max("position"))["p"] or 0) + 1
    chapter = Chapter(
        book=book,
        title=title,
        slug=slug or slugify(title)[:80],
        position=position,
        status=status,
        opens_at=opens_at,
        text="",
    )
    opening_schedule(chapter=chapter, previous_opens_at=None)
    chapter.full_clean()
    chapter.save()
    chapters_revise(
        changes=[ChapterChange(chapter, text, title)],
        editor=editor,
        message=message or _("First draft"),
        # A chapter that did not exist has no comments to move.
        comments_follow=_nothing_follows,
    )
    chapter.refresh_from_db()
    return chapter


@transaction.atomic
def chapter_restore(
    *,
    chapter: Chapter,
    number: int,
    editor: AbstractBaseUser | None,
    base_revision: int | None = None,
    comments_follow: CommentsFollow,
) -> ChapterRevision:
    """Make revision `number` the newest revision again; history is never rewritten.

    Blocks that come back keep the pids they had in that revision, so comments made
    on them there find them again. `base_revision` is the revision the editor saw
    as current when choosing to restore: if another was saved since, the restore
    is refused with RevisionConflict.
    """
    # Locked and checked before the other refusals, so that of two restores the
    # second is told about the first rather than about its own text.
    chapters_lock(chapters=[chapter])
    latest = revision_base_check(chapter=chapter, base=base_revision)
    try:
        old = chapter.revisions.get(number=number)
    except ChapterRevision.DoesNotExist:
        raise ValidationError(
            _("Revision %(number)s does not exist.") % {"number": number}
        ) from None
    if latest is not None and old.pk == latest.pk:
        raise ValidationError(
            _("Revision %(number)s is already the current one.") % {"number": number}
        )
    revisions = chapters_revise(
        changes=[ChapterChange(chapter, old.text, old.title, base_revision)],
        editor=editor,
        message=_("Restored revision %(number)s") % {"number": number},
        comments_follow=comments_follow,
        restored_from=number,
    )
    if not revisions:
        raise ValidationError(
            _("Revision %(number)s has the same text as the current one.") % {"number": number}
        )
    return revisions[0]


@dataclass(frozen=True)
class ImportedFile:
    slug: str
    title: str
    text: str


@dataclass(frozen=True)
class ImportOutcome:
    slug: str
    title: str
    action: str  # "new", "revised", "unchanged", "missing", "archived"
    revision: int | None = None


@transaction.atomic
def book_import(
    *,
    book_slug: str,
    files: Iterable[ImportedFile],
    editor: AbstractBaseUser | None,
    title: str | None = None,
    archive_missing: bool = False,
    message: str = "",
    comments_follow: CommentsFollow,
) -> tuple[Book, list[ImportOutcome]]:
    """Import chapters into a book (created when missing), in the order given.

    A chapter is matched by slug. Changed chapters get a new revision, all in one
    pass so that a paragraph moved between chapters keeps its pid; unchanged
    chapters get none. Chapters with no file are left alone, or archived.
    """
    files = list(files)
    book = Book.objects.filter(slug=book_slug).first()
    if book is None:
        book = Book(slug=book_slug, title=title or book_slug.replace("-", " ").title())
        book.full_clean()
        book.save()
    elif title and title != book.title:
        book.title = title
        book.full_clean()
        book.save(update_fields=["title"])

    existing = {
        chapter.slug: chapter for chapter in book.chapters.select_related("current_revision")
    }
    # What was read above is the base of every change below: a chapter revised
    # meanwhile makes the import a conflict, not an undo. Locked in pk order
    # before the first write, so two imports cannot deadlock.
    chapters_lock(chapters=existing.values())
    changes = []
    created = set()
    in_order = []
    for position, imported in enumerate(files, start=1):
        chapter = existing.get(imported.slug)
        if chapter is None:
            chapter = Chapter(
                book=book, slug=imported.slug, title=imported.title, position=position
            )
            chapter.full_clean()
            chapter.save()
            created.add(chapter.pk)
        else:
            chapter.position = position
            if chapter.status == Chapter.Status.ARCHIVED:
                chapter.status = Chapter.Status.PUBLISHED
            chapter.save(update_fields=["position", "status"])
        in_order.append(chapter)
        change = ChapterChange(
            chapter,
            imported.text,
            imported.title,
            None if chapter.pk in created else chapter.revision,
        )
        if change.base_revision is not None and (change.text, change.title) == (
            chapter.text,
            chapter.title,
        ):
            # The file is the text that was read: nothing to import, whatever was
            # saved since.
            continue
        changes.append(change)

    revisions = {
        revision.chapter_id: revision
        for revision in chapters_revise(
            changes=changes,
            editor=editor,
            message=message or _("Imported"),
            comments_follow=comments_follow,
        )
    }
    outcomes = []
    for chapter in in_order:
        revision = revisions.get(chapter.pk)
        if chapter.pk in created:
            action = "new"
        elif revision is not None:
            action = "revised"
        else:
            action = "unchanged"
        outcomes.append(ImportOutcome(chapter.slug, chapter.title, action, chapter.revision))
    seen = {imported.slug for imported in files}
    for slug, chapter in existing.items():
        if slug in seen:
            continue
        if archive_missing and chapter.status != Chapter.Status.ARCHIVED:
            chapter.status = Chapter.Status.ARCHIVED
            chapter.save(update_fields=["status"])
            outcomes.append(ImportOutcome(slug, chapter.title, "archived", chapter.revision))
        else:
            outcomes.append(ImportOutcome(slug, chapter.title, "missing", chapter.revision))
    return book, outcomes
