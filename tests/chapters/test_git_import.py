"""`import_book --git`: a book's history replayed from a repository the test builds."""

import os
import shutil
import subprocess
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from chapters.models import Chapter, ChapterRevision, GitImport
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("git") is None, reason="the git command is not installed"),
]

INTRO = "Mercurial offers a powerful mechanism to let you perform automated actions."
HOOKS = "The name Mercurial uses for one of these actions is a hook, called a trigger elsewhere."
SAFETY = "Hooks run with your privileges, so think twice before you trust one from a stranger."
CONFIG = "You set up a hook in the hooks section of the configuration file of the repository."
EXIT = "A controlling hook that exits with a non-zero status makes the command fail."


class Repo:
    def __init__(self, path: Path) -> None:
        self.path = path
        path.mkdir(parents=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Ada Author")
        self.git("config", "user.email", "ada@example.org")

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        return subprocess.run(
            ["git", "-C", str(self.path), *args],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.strip()

    def commit(
        self,
        files: dict[str, str | None],
        message: str,
        *,
        date: str = "2024-03-01T10:00:00+00:00",
        author: str = "Ada Author <ada@example.org>",
    ) -> str:
        for name, text in files.items():
            path = self.path / name
            if text is None:
                self.git("rm", "-q", name)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            self.git("add", name)
        env = {**os.environ, "GIT_COMMITTER_DATE": date}
        self.git("commit", "-q", "-m", message, f"--date={date}", f"--author={author}", env=env)
        return self.git("rev-parse", "HEAD")


def chapter_md(title: str, *paragraphs: str) -> str:
    return "\n\n".join([f"# {title}", *paragraphs]) + "\n"


def run(repo: Repo, *args: str) -> str:
    out = StringIO()
    call_command("import_book", "--git", str(repo.path), "--book", "gitbook", *args, stdout=out)
    return out.getvalue()


def pids(slug: str) -> dict[str, str]:
    chapter = Chapter.objects.get(book__slug="gitbook", slug=slug)
    return dict(chapter.current_revision.blocks.values_list("text", "pid"))


@pytest.fixture
def repo(tmp_path) -> Repo:
    return Repo(tmp_path / "book")


def test_each_commit_is_one_revision_of_each_changed_chapter_with_its_date_and_message(repo):
    repo.commit(
        {
            "01-hooks.md": chapter_md("Hooks", INTRO, HOOKS),
            "02-setup.md": chapter_md("Setup", CONFIG),
        },
        "First draft",
        date="2024-03-01T10:00:00+00:00",
    )
    repo.commit(
        {"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS, SAFETY)},
        "Warn about\n\nhooks of strangers",
        date="2024-03-05T12:30:00+00:00",
    )
    out = run(repo)
    assert "Imported 2 commits" in out
    hooks = Chapter.objects.get(book__slug="gitbook", slug="hooks")
    setup = Chapter.objects.get(book__slug="gitbook", slug="setup")
    assert [(r.number, r.message) for r in hooks.revisions.order_by("number")] == [
        (1, "First draft (by Ada Author)"),
        (2, "Warn about hooks of strangers (by Ada Author)"),
    ]
    assert setup.revisions.count() == 1
    second = hooks.revisions.get(number=2)
    assert second.created_at == datetime(2024, 3, 5, 12, 30, tzinfo=UTC)
    assert second.editor is None


def test_author_with_an_account_is_the_editor(repo):
    user = UserFactory(username="ada", email="Ada@Example.org")
    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO)}, "Start")
    run(repo)
    revision = ChapterRevision.objects.get(chapter__slug="hooks")
    assert revision.editor == user
    assert revision.message == "Start"


def test_pids_follow_edits_and_a_section_moved_to_another_file(repo):
    repo.commit(
        {
            "01-hooks.md": chapter_md("Hooks", INTRO, "## Safety", HOOKS, SAFETY, CONFIG),
            "02-setup.md": chapter_md("Setup", EXIT),
        },
        "First draft",
    )
    run(repo)
    before = pids("hooks") | pids("setup")
    edited = SAFETY.replace("think twice", "be careful")
    repo.commit(
        {
            "01-hooks.md": chapter_md("Hooks", INTRO, CONFIG),
            "02-setup.md": chapter_md("Setup", EXIT, "## Safety", HOOKS, edited),
        },
        "Move the safety section to the setup chapter",
    )
    run(repo)
    after = pids("setup")
    assert after[HOOKS] == before[HOOKS]
    assert after[edited] == before[SAFETY]
    assert after["Safety"] == before["Safety"]
    assert pids("hooks")[CONFIG] == before[CONFIG]


def test_comments_follow_a_section_moved_to_another_file_commit_by_commit(repo, reader):
    """Re-anchoring runs in each commit's own transaction: a comment on a paragraph
    moved to another file follows it there, and one whose paragraph a later commit
    removes is orphaned, not lost."""
    from comments.models import Comment
    from comments.services import comment_create

    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS, SAFETY)}, "First draft")
    run(repo)
    hooks = Chapter.objects.get(book__slug="gitbook", slug="hooks")
    hooks.book.status = hooks.book.Status.OPEN
    hooks.book.save()
    on_safety = comment_create(user=reader, chapter=hooks, pid=pids("hooks")[SAFETY], body="Yes.")
    on_intro = comment_create(user=reader, chapter=hooks, pid=pids("hooks")[INTRO], body="Hm.")
    repo.commit(
        {
            "01-hooks.md": chapter_md("Hooks", INTRO, HOOKS),
            "02-setup.md": chapter_md("Setup", SAFETY),
        },
        "Move the warning to the setup chapter",
    )
    repo.commit({"01-hooks.md": chapter_md("Hooks", HOOKS)}, "Cut the introduction")
    run(repo)
    on_safety.refresh_from_db()
    on_intro.refresh_from_db()
    assert (on_safety.chapter.slug, on_safety.anchor_state) == ("setup", "current")
    assert on_intro.anchor_state == "orphaned"
    assert Comment.objects.count() == 2


def test_a_renamed_file_keeps_its_pids_and_the_old_chapter_is_archived(repo):
    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS, SAFETY)}, "First draft")
    run(repo)
    before = pids("hooks")
    repo.git("mv", "01-hooks.md", "01-automation.md")
    repo.commit({}, "Rename the chapter")
    out = run(repo)
    assert "archived hooks" in out
    after = pids("automation")
    assert after[INTRO] == before[INTRO] and after[SAFETY] == before[SAFETY]
    old = Chapter.objects.get(book__slug="gitbook", slug="hooks")
    assert old.status == Chapter.Status.ARCHIVED
    assert old.current_revision.blocks.count() == 0


def test_importing_again_picks_up_after_the_last_imported_commit(repo):
    first = repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO)}, "One")
    run(repo)
    assert GitImport.objects.get(book__slug="gitbook").last_commit == first
    assert "Imported 0 commits" in run(repo)
    second = repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS)}, "Two")
    assert "Imported 1 commits" in run(repo)
    assert GitImport.objects.get(book__slug="gitbook").last_commit == second
    assert Chapter.objects.get(book__slug="gitbook", slug="hooks").revision == 2


def test_since_and_until_bound_the_replay(repo):
    first = repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO)}, "One")
    second = repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS)}, "Two")
    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO, HOOKS, SAFETY)}, "Three")
    out = run(repo, "--since", first, "--until", second)
    assert "Imported 1 commits" in out
    chapter = Chapter.objects.get(book__slug="gitbook", slug="hooks")
    assert chapter.text == chapter_md("Hooks", INTRO, HOOKS)
    assert chapter.revisions.get().message.startswith("Two")


def test_commits_outside_the_chapter_folder_make_no_revision(repo):
    repo.commit({"book/01-hooks.md": chapter_md("Hooks", INTRO), "notes.txt": "x"}, "One")
    repo.commit({"notes.txt": "y"}, "Only notes")
    repo.commit({"README.md": "# About\n\nNot a chapter.\n"}, "Readme")
    out = run(repo, "--path", "book")
    assert "Imported 1 commits" in out
    assert list(Chapter.objects.filter(book__slug="gitbook").values_list("slug", flat=True)) == [
        "hooks"
    ]


def test_a_rewritten_history_is_refused_with_a_way_out(repo):
    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO)}, "One")
    run(repo)
    repo.git("commit", "-q", "--amend", "-m", "One, amended")
    with pytest.raises(CommandError, match="--since"):
        run(repo)


def test_not_a_repository_and_a_bad_revision_are_refused(tmp_path, repo):
    with pytest.raises(CommandError, match="not a Git repository"):
        call_command("import_book", "--git", str(tmp_path), "--book", "gitbook")
    repo.commit({"01-hooks.md": chapter_md("Hooks", INTRO)}, "One")
    with pytest.raises(CommandError, match="rev-parse"):
        run(repo, "--until", "no-such-branch")
    with pytest.raises(CommandError, match="either"):
        call_command("import_book", "--book", "gitbook")
