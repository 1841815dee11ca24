from dataclasses import dataclass

from chapters.diffing import fold_unchanged, revisions_diff, words_diff


@dataclass
class B:
    pid: str
    position: int
    text: str
    kind: str = "paragraph"

    @property
    def html(self) -> str:
        return f"<p>{self.text}</p>"


def blocks(*pairs: tuple[str, str]) -> list[B]:
    return [B(pid, n, text) for n, (pid, text) in enumerate(pairs, start=1)]


def test_blocks_are_matched_by_pid_into_edited_added_removed_moved():
    old = blocks(("a", "Alpha"), ("b", "Beta"), ("c", "Gamma"), ("d", "Delta"))
    new = blocks(
        ("a", "Alpha"), ("c", "Gamma, rewritten"), ("d", "Delta"), ("b", "Beta"), ("e", "Eps")
    )
    rows = [(row.kind, row.pid) for row in revisions_diff(old, new)]
    assert rows == [
        ("unchanged", "a"),
        ("edited", "c"),
        ("unchanged", "d"),
        ("moved", "b"),
        ("added", "e"),
    ]


def test_removed_blocks_stand_where_they_were():
    old = blocks(("x", "Gone first"), ("a", "Alpha"), ("b", "Gone"), ("c", "Gamma"))
    new = blocks(("a", "Alpha"), ("c", "Gamma"))
    rows = [(row.kind, row.pid) for row in revisions_diff(old, new)]
    assert rows == [("removed", "x"), ("unchanged", "a"), ("removed", "b"), ("unchanged", "c")]


def test_word_level_changes_are_escaped():
    html = words_diff("Use <b> tags", "Use <i> tags & more")
    assert html == "Use &lt;<del>b</del><ins>i</ins>&gt; tags<ins> &amp; more</ins>"


def test_unchanged_runs_fold_into_counts():
    old = blocks(("a", "A"), ("b", "B"), ("c", "C"), ("d", "D"))
    new = blocks(("a", "A"), ("b", "B"), ("c", "C!"), ("d", "D"))
    folded = fold_unchanged(revisions_diff(old, new))
    assert [(row.kind, getattr(row, "count", None)) for row in folded] == [
        ("gap", 2),
        ("edited", None),
        ("gap", 1),
    ]
