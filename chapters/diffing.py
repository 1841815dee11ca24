"""What changed between two revisions of a chapter, block by block and word by word.

Blocks are matched by pid, so an edited paragraph is shown as one edited block,
not as a deletion and an insertion, and a paragraph that moved is shown as moved.
"""

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WORD_RE = re.compile(r"\s+|[\w'\u2019-]+|[^\w\s]", re.UNICODE)


class DiffableBlock(Protocol):
    pid: str
    position: int
    kind: str
    html: str
    text: str


@dataclass
class BlockChange:
    """One row of a diff: `kind` is unchanged, edited, added, removed or moved."""

    kind: str
    pid: str
    old: DiffableBlock | None
    new: DiffableBlock | None
    words: SafeString | None = None
    folded: list = field(default_factory=list)

    @property
    def block(self) -> DiffableBlock:
        return self.new if self.new is not None else self.old


def words_diff(old: str, new: str) -> SafeString:
    """HTML of `new` against `old` with removed words in <del> and added ones in <ins>."""
    a = WORD_RE.findall(old)
    b = WORD_RE.findall(new)
    out = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def phrase_diff(old: str, new: str) -> SafeString:
    """HTML of `new` as it reads, each changed phrase shown once as the words it
    replaces (<del>) followed by the words it brings (<ins>).

    Replacements separated by a single word or by spaces alone are one change, so a
    rewritten phrase reads "<del>are best kept</del> <ins>stay</ins>" rather than
    alternating word by word. Each mark starts with a hidden "removed:" or "added:"
    for screen readers: the change is never told by colour alone."""
    from django.utils.translation import gettext as _

    a = WORD_RE.findall(old)
    b = WORD_RE.findall(new)
    pieces: list[list] = []  # ["equal", text] or ["change", old_text, new_text]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(["equal", "".join(a[i1:i2]), a[i1:i2]])
        else:
            pieces.append(["change", "".join(a[i1:i2]), "".join(b[j1:j2])])
    merged: list[list] = []
    for index, piece in enumerate(pieces):
        between = 0 < index < len(pieces) - 1 and merged and merged[-1][0] == "change"
        words = sum(not t.isspace() for t in piece[2]) if piece[0] == "equal" else 0
        # A word kept between two replacements joins them; one between insertions stays.
        replaces = between and merged[-1][1].strip() and pieces[index + 1][1].strip()
        if piece[0] == "equal" and between and (words == 0 or (words == 1 and replaces)):
            merged[-1][1] += piece[1]
            merged[-1][2] += piece[1]
        elif piece[0] == "change" and merged and merged[-1][0] == "change":
            merged[-1][1] += piece[1]
            merged[-1][2] += piece[2]
        else:
            merged.append(piece)
    removed = escape(_("removed:"))
    added = escape(_("added:"))
    out = []
    for piece in merged:
        if piece[0] == "equal":
            out.append(escape(piece[1]))
            continue
        was, now = piece[1], piece[2]
        text = was if was.strip() else now
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        marks = []
        if was.strip():
            marks.append(
                f'<del><span class="visually-hidden">{removed} </span>{escape(was.strip())}</del>'
            )
        if now.strip():
            marks.append(
                f'<ins><span class="visually-hidden">{added} </span>{escape(now.strip())}</ins>'
            )
        out.append(escape(lead) + " ".join(marks) + escape(trail))
    return mark_safe("".join(out))  # noqa: S308 - every piece of text is escaped above


def _stable_pids(old_order: Sequence[str], new_order: Sequence[str]) -> set[str]:
    """Pids in the longest common subsequence of both orders: the ones that did not move."""
    matcher = difflib.SequenceMatcher(None, old_order, new_order, autojunk=False)
    stable: set[str] = set()
    for block in matcher.get_matching_blocks():
        stable.update(old_order[block.a : block.a + block.size])
    return stable


def revisions_diff(old: Sequence[DiffableBlock], new: Sequence[DiffableBlock]) -> list[BlockChange]:
    """Every block of both revisions in the new reading order; removed blocks stand
    where they were, after the block that preceded them."""
    old_by_pid = {block.pid: block for block in old}
    new_by_pid = {block.pid: block for block in new}
    common_old = [block.pid for block in old if block.pid in new_by_pid]
    common_new = [block.pid for block in new if block.pid in old_by_pid]
    stable = _stable_pids(common_old, common_new)

    removed_after: dict[str | None, list[DiffableBlock]] = {}
    previous: str | None = None
    for block in old:
        if block.pid in new_by_pid:
            previous = block.pid
        else:
            removed_after.setdefault(previous, []).append(block)

    def removed(after: str | None) -> list[BlockChange]:
        return [BlockChange("removed", b.pid, b, None) for b in removed_after.pop(after, [])]

    rows = removed(None)
    for block in new:
        before = old_by_pid.get(block.pid)
        if before is None:
            rows.append(BlockChange("added", block.pid, None, block))
            continue
        if block.pid not in stable:
            kind = "moved"
        elif before.html == block.html:
            kind = "unchanged"
        else:
            kind = "edited"
        words = words_diff(before.text, block.text) if before.html != block.html else None
        rows.append(BlockChange(kind, block.pid, before, block, words))
        rows.extend(removed(block.pid))
    for leftover in list(removed_after):
        rows.extend(removed(leftover))
    return rows


@dataclass(frozen=True)
class UnchangedRun:
    """A run of unchanged blocks, shown folded."""

    count: int
    kind: str = "gap"


def fold_unchanged(rows: Sequence[BlockChange]) -> list[BlockChange | UnchangedRun]:
    folded: list[BlockChange | UnchangedRun] = []
    run = 0
    for row in rows:
        if row.kind == "unchanged":
            run += 1
            continue
        if run:
            folded.append(UnchangedRun(run))
            run = 0
        folded.append(row)
    if run:
        folded.append(UnchangedRun(run))
    return folded
