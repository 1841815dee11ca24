"""The apps are layered, and imports only go down (docs/architecture.md, "Layers").

Every import in the project's own code counts, at the top of a module or inside a
function: an import moved into a function to dodge a cycle is still a dependency."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Bottom to top: the project's infrastructure, people, books and chapters, comments,
# what is built on comments (watches and inboxes; whole-book jobs), and the pages
# that compose them all. An app imports only from the layers below its own; the
# apps of one layer do not import each other.
LAYERS = [
    {"wethink"},
    {"accounts"},
    {"chapters"},
    {"comments"},
    {"notices", "jobs"},
    {"pages"},
]
# The project's entry points, which put everything together: above every app.
ENTRY_POINTS = {"wethink.settings", "wethink.urls", "wethink.wsgi", "wethink.asgi"}
LEVEL = {app: level for level, apps in enumerate(LAYERS) for app in apps}


def _modules():
    for app in LEVEL:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            yield name.removesuffix(".__init__"), path


def _imported(path: Path, module: str) -> set[str]:
    found = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _violations() -> list[str]:
    problems = []
    for module, path in _modules():
        if module in ENTRY_POINTS:
            continue
        app = module.split(".")[0]
        for name in sorted(_imported(path, module)):
            other = name.split(".")[0]
            if other not in LEVEL or other == app:
                continue
            if LEVEL[other] >= LEVEL[app]:
                problems.append(f"{module} imports {name} ({app} may not import {other})")
    return sorted(set(problems))


def test_imports_only_go_down_the_layers():
    assert _violations() == []


@pytest.mark.parametrize(
    ("source", "reported"),
    [
        ("from comments.models import Comment\n", "chapters.x imports comments.models"),
        ("def f():\n    import pages.views\n", "chapters.x imports pages.views"),
        ("from notices.models import Watch\n", "chapters.x imports notices.models"),
        ("from accounts.models import Profile\nfrom wethink import params\n", None),
    ],
)
def test_the_check_sees_every_kind_of_import(tmp_path, monkeypatch, source, reported):
    """The guard itself: a lower app importing a higher one, at the top or inside a
    function, is reported; a downward import is not."""
    (tmp_path / "chapters").mkdir()
    (tmp_path / "chapters" / "x.py").write_text(source)
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    found = _violations()
    if reported is None:
        assert found == []
    else:
        assert any(problem.startswith(reported + " ") for problem in found), found


# The chapter services that write revisions: above `chapters`, only
# `comments.revising` calls them, with the comments following every revision.
REVISING = {
    "chapters.services.chapters_revise",
    "chapters.services.chapter_revise",
    "chapters.services.chapter_restore",
    "chapters.services.book_import",
    "chapters.git_history.history_import",
    "chapters.git_history.commit_import",
}


def _revising_outside() -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, path in _modules()
        if module.split(".")[0] != "chapters" and module != "comments.revising"
        for name in _imported(path, module) & REVISING
    )


def test_revisions_are_written_through_comments_revising():
    assert _revising_outside() == []


def test_the_revising_check_sees_a_direct_call(tmp_path, monkeypatch):
    (tmp_path / "pages").mkdir()
    (tmp_path / "pages" / "x.py").write_text("from chapters.services import chapter_revise\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert _revising_outside() == ["pages.x imports chapters.services.chapter_revise"]
