"""Paragraph ids (pids) from one revision of a chapter to the next.

A revision is a list of blocks. The new revision's blocks take their pids from
the previous revision's by a diff between the two drafts, never by position:

1. Unchanged: a diff of the block texts (rapidfuzz's `Indel.opcodes`, a longest
   common subsequence); the blocks of its equal runs keep their pid. Not
   `difflib.SequenceMatcher`: it matches the longest run first, and with repeated
   identical blocks ("Parameters to this hook:" in every section) an insertion
   can make it leave an unchanged copy unmatched, retiring its pid.
2. Moved: a near-identical, distinctive text that left one changed region of the
   diff and turned up in another keeps its pid.
3. Edited: inside each changed region, the old and new blocks are paired in
   order by dynamic programming on word-level similarity, above `MIN_SIMILARITY`.
4. Slots: a lone old and a lone new block left between two settled pairs are far
   more often one paragraph rewritten than a deletion beside an insertion, so
   they pair above the lower `SLOT_MIN_SIMILARITY`.
5. Split and merged: a block left over that is mostly made of the text of a
   nearby old block (split), or whose text is mostly found in a nearby new block
   (merge), joins that block's family. In a split the first part keeps the pid:
   splitting a paragraph leaves its beginning in place and makes new paragraphs
   of the rest. In a merge the old block holding most of the text keeps it: the
   others were absorbed into it. The other members are reported in
   `Alignment.split_from` / `Alignment.merged`, so that comments quoting their
   text can follow them.

`align_book` then lets a block left without a pid in one chapter take the pid
retired from another chapter (a move between chapters) when the texts are near
identical.

Never guess: below a floor, or when two candidates tie, a block gets no pid (the
caller issues a fresh one) and the old pid retires. An orphaned comment can be
re-attached by hand; a comment silently moved to the wrong paragraph misleads
every reader.
"""

import bisect
import itertools
import math
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz.distance import Indel, LCSseq

MIN_SIMILARITY: float = 0.5
"""`similarity` an old and a new block of one changed region need to be paired as
one paragraph edited. Half the words in common, in order, is far above what two
different paragraphs on one subject share (short words such as "the", "of",
rarely long runs). Weaker edits are still caught when one text is mostly found in
the other (see `PART_MIN_COVERAGE`)."""

SLOT_MIN_SIMILARITY: float = 0.3
"""Lower floor for the lone old and new block between two settled pairs: the
neighbours already say where the block belongs, so less textual evidence is
needed."""

MOVE_MIN_SIMILARITY: float = 0.9
"""A block is recognised as moved only when its text is nearly unchanged: away from
its neighbours, only the text vouches for it."""

MIN_WORDS: int = 5
"""Texts shorter than this ("Example:", "Parameters to this hook:") are too common
to prove a move, a split or a merge; they keep a pid only where the diff puts them
(equal runs, edits, slots)."""

PART_MIN_COVERAGE: float = 0.6
"""Share of a block's words that must be found, in order, in a nearby block for it
to count as split off from it (or merged into it). Below that, the block is mostly
new text: an insertion, or a deletion, beside an edit."""

_WORD = re.compile(r"\w+")
# Quotation mark pairs: curly double, straight double, curly single, guillemets.
_QUOTES = (("\u201c", "\u201d"), ('"', '"'), ("\u2018", "\u2019"), ("\u00ab", "\u00bb"))


@dataclass(frozen=True)
class Anchor:
    pid: str
    text: str  # the block's plain text


@dataclass
class Alignment:
    """The pids of one chapter's new revision.

    `pids` has one entry per new block: the old pid it keeps, or None when it is
    new. `split_from` maps a new block whose pid is None to the old pid whose
    block it was split off. `merged` maps an old pid that is not kept to the new
    block that absorbed its text.
    """

    pids: list[str | None]
    split_from: dict[int, str] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Text:
    key: str  # whitespace-normalised: blocks with equal keys are unchanged
    words: tuple[str, ...]

    @classmethod
    def of(cls, text: str) -> "_Text":
        key = " ".join(text.split())
        # A block of marks only ("* * *") compares on its marks.
        return cls(key, tuple(_WORD.findall(key.casefold())) or tuple(key.split()))


def _similarity(a: _Text, b: _Text) -> float:
    return Indel.normalized_similarity(a.words, b.words)


def similarity(a: str, b: str) -> float:
    """Similarity of two texts, 0 to 1: twice the words they have in common, in
    order (longest common subsequence), over their total number of words.

    On words rather than characters, so that unrelated sentences do not score on
    shared letters while reworded ones still score on shared phrases.
    """
    return _similarity(_Text.of(a), _Text.of(b))


def _part_of(part: _Text, whole: _Text) -> int:
    """How many words of `part` are found in order in `whole`, when that makes `part`
    mostly text of `whole` and is long enough to prove it; else 0.

    A text quoted whole in the other block ("as “Figure title” shows") is cited
    there, not split off or merged: cross-references render that way.
    """
    needed = max(MIN_WORDS, math.ceil(PART_MIN_COVERAGE * len(part.words)))
    common = LCSseq.similarity(part.words, whole.words, score_cutoff=needed)
    if common and any(f"{left}{part.key}{right}" in whole.key for left, right in _QUOTES):
        return 0
    return common


def _best_whole(part: _Text, wholes: Mapping[int, _Text]) -> int | None:
    """The block `part` is mostly made of; None when there is none, or two tie."""
    scores = sorted(((_part_of(part, text), i) for i, text in wholes.items()), reverse=True)
    if not scores or not scores[0][0] or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


class _Chapter:
    """One chapter's alignment while it is built; blocks are referred to by index."""

    def __init__(self, old: Sequence[Anchor], new: Sequence[str]) -> None:
        self.old_pids = [anchor.pid for anchor in old]
        if len(set(self.old_pids)) != len(self.old_pids):
            raise ValueError("Pids must be unique within the old revision.")
        self.old = [_Text.of(anchor.text) for anchor in old]
        self.new = [_Text.of(text) for text in new]
        self.new_to_old: dict[int, int] = {}
        self.old_to_new: dict[int, int] = {}
        self.fixed: set[int] = set()  # new blocks unchanged or moved: neither edited nor split
        self.moved: set[int] = set()  # new blocks moved within the chapter
        self.split_from: dict[int, int] = {}
        self.merged: dict[int, int] = {}
        self.moved_in: dict[int, str] = {}  # new block -> pid retired from another chapter

    def pair(self, o: int, n: int) -> None:
        self.new_to_old[n] = o
        self.old_to_new[o] = n

    def free_old(self, indices: Sequence[int]) -> list[int]:
        return [o for o in indices if o not in self.old_to_new and o not in self.merged]

    def free_new(self, indices: Sequence[int]) -> list[int]:
        taken = (self.new_to_old, self.split_from, self.moved_in)
        return [n for n in indices if not any(n in t for t in taken)]

    def chain(self) -> list[tuple[int, int]]:
        """Settled pairs (old, new) in reading order; moves cross it and are left out."""
        return sorted((o, n) for n, o in self.new_to_old.items() if n not in self.moved)

    def result(self) -> Alignment:
        return Alignment(
            pids=[
                self.old_pids[self.new_to_old[n]] if n in self.new_to_old else self.moved_in.get(n)
                for n in range(len(self.new))
            ],
            split_from={n: self.old_pids[o] for n, o in sorted(self.split_from.items())},
            merged={self.old_pids[o]: n for o, n in sorted(self.merged.items())},
        )


def _moves(olds: Sequence[_Text], news: Sequence[_Text]) -> list[tuple[int, int]]:
    """Pairs (old, new) of near-identical distinctive texts, each the other's single
    best candidate. A tie means the text does not tell which block is which: no pair."""
    t = MOVE_MIN_SIMILARITY
    by_length = sorted((len(text.words), n) for n, text in enumerate(news))
    lengths = [length for length, _ in by_length]
    best: dict[tuple[str, int], tuple[float, list[int]]] = {}
    for o, old in enumerate(olds):
        size = len(old.words)
        if size < MIN_WORDS:
            continue
        # Only texts of about the same length can reach the similarity floor.
        lo = bisect.bisect_left(lengths, max(MIN_WORDS, size * t / (2 - t) - 1e-9))
        hi = bisect.bisect_right(lengths, size * (2 - t) / t + 1e-9)
        for _, n in by_length[lo:hi]:
            score = Indel.normalized_similarity(old.words, news[n].words, score_cutoff=t)
            if not score:
                continue
            for key, other in ((("old", o), n), (("new", n), o)):
                top, who = best.get(key, (0.0, []))
                if score > top:
                    best[key] = (score, [other])
                elif score == top:
                    who.append(other)
    return sorted(
        (o, ns[0])
        for (side, o), (_, ns) in best.items()
        if side == "old" and len(ns) == 1 and best[("new", ns[0])][1] == [o]
    )


def _pair_region(ch: _Chapter, olds: Sequence[int], news: Sequence[int]) -> list[tuple[int, int]]:
    """Best order-preserving pairing of one changed region's free blocks.

    Maximises the summed similarity above the floor, so that two middling pairs
    win over one good pair they cross only when together they carry clearly more.
    """
    a, b = len(olds), len(news)
    gain = [[_similarity(ch.old[o], ch.new[n]) - MIN_SIMILARITY for n in news] for o in olds]
    best = [[0.0] * (b + 1) for _ in range(a + 1)]
    for x in range(a - 1, -1, -1):
        for y in range(b - 1, -1, -1):
            best[x][y] = max(best[x + 1][y], best[x][y + 1])
            if gain[x][y] >= 0:
                best[x][y] = max(best[x][y], gain[x][y] + best[x + 1][y + 1])
    pairs = []
    x = y = 0
    while x < a and y < b:
        if gain[x][y] >= 0 and best[x][y] == gain[x][y] + best[x + 1][y + 1]:
            pairs.append((olds[x], news[y]))
            x, y = x + 1, y + 1
        elif best[x][y] == best[x + 1][y]:
            x += 1
        else:
            y += 1
    return pairs


def _fill_slots(ch: _Chapter) -> None:
    """Pair the lone old and lone new block left between two settled pairs."""
    bounds = [(-1, -1), *ch.chain(), (len(ch.old), len(ch.new))]
    for (o1, n1), (o2, n2) in itertools.pairwise(bounds):
        olds = ch.free_old(range(o1 + 1, o2))
        news = ch.free_new(range(n1 + 1, n2))
        if len(olds) == 1 and len(news) == 1:
            o, n = olds[0], news[0]
            if _similarity(ch.old[o], ch.new[n]) >= SLOT_MIN_SIMILARITY:
                ch.pair(o, n)


def _nearby(chain: list[tuple[int, int]], side: int, index: int, limit: int) -> range:
    """Indices on the other side between the settled pairs around `index` (a block
    of side 0 = old or 1 = new), those pairs' own blocks included. `chain` is in
    reading order on both sides."""
    at = bisect.bisect_left(chain, index, key=lambda pair: pair[side])
    lo = chain[at - 1][1 - side] if at > 0 else 0
    hi = chain[at][1 - side] if at < len(chain) else limit - 1
    return range(lo, hi + 1)


def _pair_parts(ch: _Chapter) -> None:
    """Splits, then merges: a left-over block mostly made of the text of a nearby
    edited (or unpaired) block joins its family; see the module's docstring."""
    fixed_old = {ch.new_to_old[n] for n in ch.fixed}

    chain = ch.chain()
    families: dict[int, list[int]] = {}
    for n in ch.free_new(range(len(ch.new))):
        near = _nearby(chain, 1, n, len(ch.old))
        o = _best_whole(ch.new[n], {o: ch.old[o] for o in near if o not in fixed_old})
        if o is not None:
            families.setdefault(o, []).append(n)
    for o, parts in families.items():
        partner = ch.old_to_new.get(o)
        if partner is not None:
            del ch.new_to_old[partner]
        first, *others = _family(ch.old[o], partner, parts, ch.new)
        ch.pair(o, first)
        ch.split_from.update((n, o) for n in others)

    chain = ch.chain()
    families = {}
    for o in ch.free_old(range(len(ch.old))):
        near = _nearby(chain, 0, o, len(ch.new))
        wholes = {n: ch.new[n] for n in near if n not in ch.fixed and n not in ch.split_from}
        n = _best_whole(ch.old[o], wholes)
        if n is not None:
            families.setdefault(n, []).append(o)
    for n, parts in families.items():
        partner = ch.new_to_old.get(n)
        if partner is not None:
            del ch.old_to_new[partner]
        members = _family(ch.new[n], partner, parts, ch.old)
        keeper = max(members, key=lambda o: LCSseq.similarity(ch.old[o].words, ch.new[n].words))
        ch.pair(keeper, n)
        ch.merged.update((o, n) for o in members if o != keeper)


def _family(whole: _Text, partner: int | None, parts: list[int], texts: list[_Text]) -> list[int]:
    """`whole`'s partner (if any) and the parts that, joined to it in reading order,
    match `whole` better than it does alone, in reading order. A part that adds
    nothing is a copy or a paraphrase of text the partner already carries."""

    def joined(members: list[int]) -> float:
        words = [w for i in sorted(members) for w in texts[i].words]
        return Indel.normalized_similarity(whole.words, words)

    if partner is None:
        return sorted(parts)
    base = joined([partner])
    return sorted([partner, *(p for p in parts if joined([partner, p]) > base)])


def _align_chapter(old: Sequence[Anchor], new: Sequence[str]) -> _Chapter:
    ch = _Chapter(old, new)
    # Texts as exact ids, so that equality never rests on a hash.
    ids: dict[str, int] = {}
    old_ids = [ids.setdefault(text.key, len(ids)) for text in ch.old]
    new_ids = [ids.setdefault(text.key, len(ids)) for text in ch.new]
    regions: list[tuple[range, range]] = []
    previous = "equal"
    for op in Indel.opcodes(old_ids, new_ids):
        if op.tag == "equal":
            for k in range(op.src_end - op.src_start):
                ch.pair(op.src_start + k, op.dest_start + k)
                ch.fixed.add(op.dest_start + k)
        elif previous == "equal":
            regions.append((range(op.src_start, op.src_end), range(op.dest_start, op.dest_end)))
        else:  # A deletion next to an insertion: one changed region.
            olds, news = regions[-1]
            regions[-1] = (range(olds.start, op.src_end), range(news.start, op.dest_end))
        previous = op.tag

    # Moves before edits, so that a moved block is not paired with a weaker
    # look-alike in the region it left.
    region_of_old = {o: r for r, (olds, _) in enumerate(regions) for o in olds}
    region_of_new = {n: r for r, (_, news) in enumerate(regions) for n in news}
    olds, news = list(region_of_old), list(region_of_new)
    for x, y in _moves([ch.old[o] for o in olds], [ch.new[n] for n in news]):
        o, n = olds[x], news[y]
        # Near-identical blocks of one region are an edit, left to `_pair_region`.
        if region_of_old[o] != region_of_new[n]:
            ch.pair(o, n)
            ch.moved.add(n)
            ch.fixed.add(n)

    for olds_range, news_range in regions:
        for o, n in _pair_region(ch, ch.free_old(olds_range), ch.free_new(news_range)):
            ch.pair(o, n)
    _fill_slots(ch)
    _pair_parts(ch)
    return ch


def align(old: Sequence[Anchor], new: Sequence[str]) -> Alignment:
    """One chapter: previous revision's blocks -> new revision's block texts.

    Old pids must be unique (ValueError otherwise). Each old pid is used at most
    once, in `pids` or in `merged`. The result depends on the inputs only.
    """
    return _align_chapter(old, new).result()


def align_book[K: Hashable](
    chapters: Mapping[K, tuple[Sequence[Anchor], Sequence[str]]],
) -> dict[K, Alignment]:
    """Several chapters of one book revised together (an import).

    Each chapter is first aligned with its own previous revision; then a block
    left without pid in one chapter may take the pid of a block retired from
    another chapter (a move), when the texts are near identical and each is the
    other's single best candidate. A chapter with no previous revision has
    old=(); a chapter being removed has new=(), so that its pids can move.
    Pids must be unique across all old revisions (ValueError otherwise); each is
    used at most once in the whole result.
    """
    keys = list(chapters)
    aligned = [_align_chapter(*chapters[key]) for key in keys]
    all_pids = [pid for ch in aligned for pid in ch.old_pids]
    if len(set(all_pids)) != len(all_pids):
        raise ValueError("Pids must be unique across the book's old revisions.")

    retired = [(c, o) for c, ch in enumerate(aligned) for o in ch.free_old(range(len(ch.old)))]
    orphans = [(c, n) for c, ch in enumerate(aligned) for n in ch.free_new(range(len(ch.new)))]
    for x, y in _moves(
        [aligned[c].old[o] for c, o in retired], [aligned[c].new[n] for c, n in orphans]
    ):
        (old_chapter, o), (new_chapter, n) = retired[x], orphans[y]
        # Within one chapter, `align` has already declined the pair.
        if old_chapter != new_chapter:
            aligned[new_chapter].moved_in[n] = aligned[old_chapter].old_pids[o]
    return {key: ch.result() for key, ch in zip(keys, aligned, strict=True)}
