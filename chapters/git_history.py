"""A book's history from a Git repository, replayed commit by commit.

Each commit (on the first-parent line, oldest first) that changes the chapter
files becomes one revision of each chapter it changed, dated and described as the
commit is, all the chapters of a commit revised together so that a paragraph
moved between files keeps its pid. A file the commit deletes empties its chapter
(a revision with no blocks, whose pids can move to the other files) and archives
it. The last commit replayed is kept on the book (`GitImport`): importing again
picks up from there.

Git is run as a subprocess (`git` on the PATH): reading trees and blobs needs
nothing more, and no library would follow the command line's own notion of
history better. Files are read through `chapters.importing`, with its limits and
refusals.
"""

import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from chapters.importing import ImportRefused, Limits, read_contents
from chapters.models import Book, Chapter, GitImport
from chapters.services import ChapterChange, CommentsFollow, ImportedFile, chapters_revise

MESSAGE_MAX = 500  # ChapterRevision.message


@dataclass(frozen=True)
class Commit:
    sha: str
    author_name: str
    author_email: str
    date: datetime
    message: str


@dataclass(frozen=True)
class CommitOutcome:
    commit: Commit
    revised: list[str]  # chapter slugs
    archived: list[str]


def _git(repo: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        # An argument list, no shell: the repository path and revisions are data.
        done = subprocess.run(  # noqa: S603
            ["git", "-C", str(repo), *args],  # noqa: S607 (git from the PATH, like a user's)
            input=data,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError:
        raise ImportRefused(_("The git command is not installed here.")) from None
    if done.returncode != 0:
        raise ImportRefused(
            _("git %(command)s failed: %(error)s")
            % {"command": args[0], "error": done.stderr.decode(errors="replace").strip()}
        )
    return done.stdout


def commit_id(repo: Path, rev: str) -> str:
    """The full id of the commit `rev` names (a branch, a tag, a short id)."""
    return (
        _git(repo, "rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}")
        .decode()
        .strip()
    )


def commits(repo: Path, *, since: str | None, until: str, folder: str) -> list[Commit]:
    """Commits after `since` up to `until` that touch `folder`, oldest first."""
    spec = f"{since}..{until}" if since else until
    out = _git(
        repo,
        "log",
        "--reverse",
        "--first-parent",
        "-z",
        "--format=%H%x1f%an%x1f%ae%x1f%aI%x1f%B",
        spec,
        "--",
        folder or ".",
    ).decode("utf-8", errors="replace")
    found = []
    for record in filter(None, out.split("\x00")):
        sha, name, email, date, message = record.strip("\n").split("\x1f", 4)
        found.append(Commit(sha, name, email, datetime.fromisoformat(date), message.strip()))
    return found


class _Blobs:
    """Blob contents by object id, read in one `git cat-file --batch` per commit and
    kept: a file unchanged between commits is read once."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.cache: dict[str, bytes] = {}

    def read(self, oids: list[str]) -> None:
        missing = [oid for oid in oids if oid not in self.cache]
        if not missing:
            return
        out = _git(
            self.repo, "cat-file", "--batch", data="".join(f"{o}\n" for o in missing).encode()
        )
        at = 0
        for oid in missing:
            header_end = out.index(b"\n", at)
            size = int(out[at:header_end].split()[2])
            self.cache[oid] = out[header_end + 1 : header_end + 1 + size]
            at = header_end + 1 + size + 1


def files_at(
    repo: Path, sha: str, *, folder: str, blobs: _Blobs, limits: Limits
) -> list[ImportedFile]:
    """The `.md` files directly in `folder` at commit `sha`, read and checked as a
    folder import reads them."""
    prefix = f"{folder.strip('/')}/" if folder.strip("/") else ""
    out = _git(repo, "ls-tree", "-z", "-l", sha, "--", prefix or ".")
    entries = []
    for line in filter(None, out.decode("utf-8", errors="replace").split("\x00")):
        meta, path = line.split("\t", 1)
        _mode, kind, oid, size = meta.split()
        name = path.rsplit("/", 1)[-1]
        if kind == "blob" and name.lower().endswith(".md") and not name.startswith("."):
            entries.append((name, oid, int(size)))
    where = f"{sha[:12]}:{prefix or '.'}"
    if not entries:
        raise ImportRefused(_("%(where)s holds no .md files.") % {"where": where})
    if len(entries) > limits.files:
        raise ImportRefused(
            ngettext(
                "There is %(count)s Markdown file; at most %(limit)s can be imported at once.",
                "There are %(count)s Markdown files; at most %(limit)s can be imported at once.",
                len(entries),
            )
            % {"count": len(entries), "limit": limits.files}
        )
    if any(size > limits.file_bytes for _, _, size in entries) or (
        sum(size for _, _, size in entries) > limits.total_bytes
    ):
        raise ImportRefused(
            _("The Markdown files of commit %(commit)s are bigger than the import limits.")
            % {"commit": sha[:12]}
        )
    blobs.read([oid for _, oid, _ in entries])
    return read_contents({name: blobs.cache[oid] for name, oid, _ in entries}, where=where)


def _editor(commit: Commit) -> AbstractBaseUser | None:
    """The account of the commit's author, by email, else by username; None when
    there is none, or several could be meant."""
    users = get_user_model().objects.filter(is_active=True)
    if commit.author_email:
        by_email = list(users.filter(email__iexact=commit.author_email)[:2])
        if len(by_email) == 1:
            return by_email[0]
    by_name = list(users.filter(username=commit.author_name)[:2])
    return by_name[0] if len(by_name) == 1 else None


def _message(commit: Commit, editor: AbstractBaseUser | None) -> str:
    text = " ".join(commit.message.split()) or commit.sha[:12]
    if editor is None:
        # No account for the author: the revision names them instead.
        suffix = " " + _("(by %(author)s)") % {"author": commit.author_name}
        text = text[: MESSAGE_MAX - len(suffix)] + suffix
    return text[:MESSAGE_MAX]


@transaction.atomic
def commit_import(
    *,
    book: Book,
    commit: Commit,
    files: list[ImportedFile],
    repository: str,
    comments_follow: CommentsFollow,
) -> CommitOutcome:
    """One commit as one revision of each chapter it changed; records the commit as
    the last one imported."""
    existing = {chapter.slug: chapter for chapter in book.chapters.all()}
    changes = []
    archived = []
    for position, imported in enumerate(files, start=1):
        chapter = existing.get(imported.slug)
        if chapter is None:
            chapter = Chapter(
                book=book, slug=imported.slug, title=imported.title, position=position
            )
            chapter.full_clean()
            chapter.save()
            base = None
        else:
            base = chapter.revision
            if chapter.position != position or chapter.status == Chapter.Status.ARCHIVED:
                chapter.position = position
                if chapter.status == Chapter.Status.ARCHIVED:
                    chapter.status = Chapter.Status.PUBLISHED
                chapter.save(update_fields=["position", "status"])
        change = ChapterChange(chapter, imported.text, imported.title, base)
        if base is None or (change.text, change.title) != (chapter.text, chapter.title):
            changes.append(change)
    seen = {imported.slug for imported in files}
    for slug, chapter in existing.items():
        if slug in seen or chapter.status == Chapter.Status.ARCHIVED:
            continue
        # Emptied in the same pass, so that its paragraphs can move to other files.
        changes.append(ChapterChange(chapter, "", chapter.title, chapter.revision))
        archived.append(chapter)
    editor = _editor(commit)
    revisions = chapters_revise(
        changes=changes,
        editor=editor,
        message=_message(commit, editor),
        comments_follow=comments_follow,
        created_at=commit.date,
    )
    for chapter in archived:
        chapter.refresh_from_db()
        chapter.status = Chapter.Status.ARCHIVED
        chapter.save(update_fields=["status"])
    GitImport.objects.update_or_create(
        book=book, defaults={"repository": repository, "last_commit": commit.sha}
    )
    return CommitOutcome(
        commit,
        revised=[revision.chapter.slug for revision in revisions],
        archived=[chapter.slug for chapter in archived],
    )


def history_import(
    *,
    book_slug: str,
    repo: Path,
    since: str | None = None,
    until: str = "HEAD",
    folder: str = "",
    title: str | None = None,
    limits: Limits | None = None,
    comments_follow: CommentsFollow,
) -> tuple[Book, list[CommitOutcome]]:
    """Replay the commits of `repo` after `since` (by default, after the last commit
    imported into the book) up to `until`. Each commit is imported in its own
    transaction: an interrupted import resumes after the last commit it finished.
    """
    limits = limits or Limits.from_settings()
    if not (repo / ".git").exists() and not (repo / "HEAD").exists():
        raise ImportRefused(_("%(path)s is not a Git repository.") % {"path": repo})
    until_id = commit_id(repo, until)
    book = Book.objects.filter(slug=book_slug).first()
    if since is None and book is not None:
        state = GitImport.objects.filter(book=book).first()
        if state is not None:
            since = state.last_commit
            try:
                _git(repo, "merge-base", "--is-ancestor", since, until_id)
            except ImportRefused:
                raise ImportRefused(
                    _(
                        "The last imported commit %(commit)s is not in the history of "
                        "%(until)s (rewritten history?); give --since to say where to resume."
                    )
                    % {"commit": since[:12], "until": until}
                ) from None
    since_id = commit_id(repo, since) if since else None
    todo = commits(repo, since=since_id, until=until_id, folder=folder)
    if book is None:
        book = Book(slug=book_slug, title=title or book_slug.replace("-", " ").title())
        book.full_clean()
        book.save()
    blobs = _Blobs(repo)
    outcomes = []
    for commit in todo:
        files = files_at(repo, commit.sha, folder=folder, blobs=blobs, limits=limits)
        outcomes.append(
            commit_import(
                book=book,
                commit=commit,
                files=files,
                repository=str(repo),
                comments_follow=comments_follow,
            )
        )
    return book, outcomes
