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
   text can follow them. When the edit holding most of the text is not the block
   holding the paragraph's beginning, the two rules disagree: neither keeps the
   pid (`_split_ahead`).

`align_book` then lets a block left without a pid in one chapter take the pid
retired from another chapter (a move between chapters) when the texts are near
identical. A moved section that starts with a text too short to prove anything
(a heading) moves too when the paragraphs beside it on both sides are an edit
sharing a rare word (`_twins`). The blocks that travelled with a moved one
follow it (`_follow_runs`).

Never guess: below a floor, or when two candidates tie, a block gets no pid (the
caller issues a fresh one) and the old pid retires. An orphaned comment can be
re-attached by hand; a comment silently moved to the wrong paragraph misleads
every reader.
"""

import bisect
import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import process
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

MOVE_MARGIN: float = 0.05
"""How far a moved block's best candidate must lead the second best, on both
sides: a deleted paragraph beside a look-alike of the one that moved must not
take its place."""

MIN_WORDS: int = 5
"""Texts shorter than this ("Example:", "Parameters to this hook:") are too common
to prove a move, a split or a merge; they keep a pid only where the diff puts them
(equal runs, edits, slots)."""

HEAD_SHARE: float = 0.25
"""The beginning of a paragraph, as a share of its words (see `_split_ahead`)."""

RARE_WORD_BLOCKS: int = 6
"""A word found in at most this many blocks of the old and new revisions together
(three paragraphs, each in both) is rare: a name or a term of one section, not
the vocabulary of the book's subject. Two texts sharing one are tied by more
than the similarity of two paragraphs on one subject."""

RUN_GAP: int = 40
"""Two moved blocks at most this many blocks apart on both sides bound one moved
section: what lies between them travelled with them."""

REGION_PAIRS: int = 40_000
"""The most old-new pairs compared in one changed region; beyond, a band."""

PART_REACH: int = 40
"""Blocks searched either side for the block a part was split from or merged into."""

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


class _Words(dict[str, str]):
    """One character per distinct word of an alignment, so that a text becomes a
    string of word codes: rapidfuzz then compares many texts in one call, in C,
    with exactly the scores it gives on word lists."""

    def __init__(self) -> None:
        super().__init__()
        # Most blocks of a revision read as before: each distinct text is parsed once.
        self.texts: dict[str, _Text] = {}

    def code(self, words: Sequence[str]) -> str:
        return "".join(map(self.__getitem__, words))

    def __missing__(self, word: str) -> str:
        point = 0x100 + len(self)
        point += 0x800 if point >= 0xD800 else 0  # surrogates are not characters
        self[word] = chr(point)
        return self[word]


@dataclass(frozen=True)
class _Text:
    key: str  # whitespace-normalised: blocks with equal keys are unchanged
    words: tuple[str, ...]
    code: str  # the words as `_Words` codes

    @classmethod
    def of(cls, text: str, vocabulary: _Words) -> "_Text":
        if (known := vocabulary.texts.get(text)) is not None:
            return known
        key = " ".join(text.split())
        # A block of marks only ("* * *") compares on its marks.
        words = tuple(_WORD.findall(key.casefold())) or tuple(key.split())
        vocabulary.texts[text] = parsed = cls(key, words, vocabulary.code(words))
        return parsed

    @functools.cached_property
    def tokens(self) -> tuple[str, ...]:
        """Each word occurrence: its code, then its rank among the word's repeats."""
        seen: Counter[str] = Counter()
        tokens = []
        for char in self.code:
            seen[char] += 1
            tokens.append(char + chr(seen[char]))
        return tuple(tokens)


def _similarity(a: _Text, b: _Text) -> float:
    return Indel.normalized_similarity(a.code, b.code)


def similarity(a: str, b: str) -> float:
    """Similarity of two texts, 0 to 1: twice the words they have in common, in
    order (longest common subsequence), over their total number of words.

    On words rather than characters, so that unrelated sentences do not score on
    shared letters while reworded ones still score on shared phrases.
    """
    vocabulary = _Words()
    return _similarity(_Text.of(a, vocabulary), _Text.of(b, vocabulary))


class _Index:
    """Candidate lists: which texts of a list may have `k` words in common (in any
    order, repeats counted) with a given text, without comparing it to each.

    Prefix filtering: order every word occurrence ("the", 1st; "the", 2nd; ...)
    rarest first, in one order for all texts. If two texts share k occurrences,
    the first (size - k + 1) occurrences of either include one of them, so only
    texts holding one of those need to be compared: for a distinctive paragraph,
    a handful among a thousand.
    """

    def __init__(self, texts: Sequence[_Text], others: Sequence[_Text] = ()) -> None:
        self.frequency: Counter[str] = Counter(
            itertools.chain.from_iterable(text.tokens for text in itertools.chain(texts, others))
        )
        self.postings: dict[str, list[int]] = {}
        for i, text in enumerate(texts):
            for token in text.tokens:
                self.postings.setdefault(token, []).append(i)

    def sharing(self, text: _Text, k: int) -> set[int] | None:
        """Indices that may share `k` word occurrences with `text`; None for all."""
        if k <= 0:
            return None
        frequency = self.frequency
        tokens = sorted(text.tokens, key=lambda token: (frequency[token], token))
        return set().union(*(self.postings.get(t, ()) for t in tokens[: len(tokens) - k + 1]))


def _needed(part: _Text) -> int:
    """Words of `part` that must be found in order in a block to call it part of it."""
    return max(MIN_WORDS, math.ceil(PART_MIN_COVERAGE * len(part.words)))


def _best_whole(part: _Text, wholes: Mapping[int, _Text]) -> int | None:
    """The block `part` is mostly made of; None when there is none, or two tie.

    `part` is mostly text of a block when most of its words are found there in
    order, and enough of them to prove it. A text quoted whole in the other block
    ("as “Figure title” shows") is cited there, not split off or merged:
    cross-references render that way.
    """
    needed = _needed(part)
    if len(part.words) < needed or not wholes:
        return None
    indices = list(wholes)
    found = process.extract(
        part.code,
        [wholes[i].code for i in indices],
        scorer=LCSseq.similarity,
        score_cutoff=needed,
        limit=None,
    )
    scores = sorted(
        (
            (common, indices[at])
            for _, common, at in found
            if not any(
                f"{left}{part.key}{right}" in wholes[indices[at]].key for left, right in _QUOTES
            )
        ),
        reverse=True,
    )
    if not scores or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1]


class _Chapter:
    """One chapter's alignment while it is built; blocks are referred to by index."""

    def __init__(self, old: Sequence[Anchor], new: Sequence[str], vocabulary: _Words) -> None:
        self.old_pids = [anchor.pid for anchor in old]
        if len(set(self.old_pids)) != len(self.old_pids):
            raise ValueError("Pids must be unique within the old revision.")
        self.old = [_Text.of(anchor.text, vocabulary) for anchor in old]
        self.new = [_Text.of(text, vocabulary) for text in new]
        self.new_to_old: dict[int, int] = {}
        self.old_to_new: dict[int, int] = {}
        self.fixed: set[int] = set()  # new blocks unchanged or moved: neither edited nor split
        self.moved: set[int] = set()  # new blocks moved within the chapter
        self.split_from: dict[int, int] = {}
        self.merged: dict[int, int] = {}
        self.moved_in: dict[int, str] = {}  # new block -> pid retired from another chapter
        self.moved_out: set[int] = set()  # old blocks whose pid went to another chapter

    def pair(self, o: int, n: int) -> None:
        self.new_to_old[n] = o
        self.old_to_new[o] = n

    def free_old(self, indices: Sequence[int]) -> list[int]:
        taken = (self.old_to_new, self.merged, self.moved_out)
        return [o for o in indices if not any(o in t for t in taken)]

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
    best candidate by a margin (`MOVE_MARGIN`): when a second text comes close, the
    text does not tell which block is which, and no pair is made."""
    t = MOVE_MIN_SIMILARITY
    floor = t - MOVE_MARGIN  # candidates that can spoil a best one's margin
    scores: dict[str, dict[int, list[tuple[float, int]]]] = {"old": {}, "new": {}}
    if not olds or not news:
        return []
    # Building the index costs more than comparing a few thousand pairs in C.
    index = _Index(news, olds) if len(olds) * len(news) > REGION_PAIRS else None
    by_length = sorted((len(text.words), n) for n, text in enumerate(news))
    for o, old in enumerate(olds):
        size = len(old.words)
        if size < MIN_WORDS:
            continue
        # The floor needs this many words in common, and about the same length.
        least = size * floor / (2 - floor) - 1e-9
        lo = bisect.bisect_left(by_length, (max(MIN_WORDS, least), -1))
        hi = bisect.bisect_right(by_length, (size * (2 - floor) / floor + 1e-9, len(news)))
        ns = [n for _, n in by_length[lo:hi]]
        if index is not None:
            sharing = index.sharing(old, math.ceil(least))
            ns = ns if sharing is None else [n for n in ns if n in sharing]
        for _, score, at in process.extract(
            old.code,
            [news[n].code for n in ns],
            scorer=Indel.normalized_similarity,
            score_cutoff=floor,
            limit=None,
        ):
            n = ns[at]
            scores["old"].setdefault(o, []).append((score, n))
            scores["new"].setdefault(n, []).append((score, o))

    def best(side: str, index: int) -> int | None:
        ranked = sorted(scores[side].get(index, []), reverse=True)
        if not ranked or ranked[0][0] < t:
            return None
        if len(ranked) > 1 and ranked[0][0] - ranked[1][0] < MOVE_MARGIN:
            return None
        return ranked[0][1]

    return sorted(
        (o, n) for o in scores["old"] if (n := best("old", o)) is not None and best("new", n) == o
    )


def _pair_region(ch: _Chapter, olds: Sequence[int], news: Sequence[int]) -> list[tuple[int, int]]:
    """Best order-preserving pairing of one changed region's free blocks.

    Maximises the summed similarity above the floor, so that two middling pairs
    win over one good pair they cross only when together they carry clearly more.
    Only pairs above the floor count: they are found by one call per old block
    (rapidfuzz compares in C), and the best chain of K pairs costs K log K. A
    region bigger than `REGION_PAIRS` pairs (a chapter largely rewritten) is
    searched in a band around its diagonal: an edit stays roughly in place, and
    what moved far is found by `_moves`.
    """
    if not olds or not news:
        return []
    codes = [ch.new[n].code for n in news]
    a, b = len(olds), len(news)
    reach = max(1, REGION_PAIRS // (2 * a)) if a * b > REGION_PAIRS else b
    candidates = []
    for x, o in enumerate(olds):
        lo = max(0, x * b // a - reach)
        candidates.extend(
            (x, lo + y, score - MIN_SIMILARITY)
            for _, score, y in process.extract(
                ch.old[o].code,
                codes[lo : lo + 2 * reach],
                scorer=Indel.normalized_similarity,
                score_cutoff=MIN_SIMILARITY,
                limit=None,
            )
        )
    return _best_chain(candidates, olds, news)


def _best_chain(
    candidates: list[tuple[int, int, float]], olds: Sequence[int], news: Sequence[int]
) -> list[tuple[int, int]]:
    """The chain of candidates (x, y, gain), increasing in x and in y, of the
    greatest summed gain (among equal sums, the first found; a pair at the floor
    still counts). Returned as (olds[x], news[y]) pairs.

    A Fenwick tree over y holds, for each prefix of the new side, the best chain
    ending there among the old blocks already passed.
    """
    size = len(news)
    tree: list[tuple[float, int]] = [(0.0, -1)] * (size + 1)  # (total, candidate index)

    def best_before(y: int) -> tuple[float, int]:
        found = (0.0, -1)
        while y > 0:
            if tree[y][0] > found[0]:
                found = tree[y]
            y -= y & -y
        return found

    def offer(y: int, entry: tuple[float, int]) -> None:
        y += 1
        while y <= size:
            if entry[0] > tree[y][0]:
                tree[y] = entry
            y += y & -y

    ordered = sorted(candidates, key=lambda c: (c[0], c[1]))
    totals: list[float] = []
    previous: list[int] = []
    for _, group in itertools.groupby(range(len(ordered)), key=lambda i: ordered[i][0]):
        members = list(group)
        # One old block at a time: its candidates may not chain onto each other.
        for i in members:
            _, y, gain = ordered[i]
            total, before = best_before(y)
            totals.append(total + gain + 1e-9)
            previous.append(before)
        for i in members:
            offer(ordered[i][1], (totals[i], i))
    end = best_before(size)[1]
    pairs = []
    while end != -1:
        x, y, _ = ordered[end]
        pairs.append((olds[x], news[y]))
        end = previous[end]
    return pairs[::-1]


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


def _nearby(chain: list[tuple[int, int]], side: int, index: int, sizes: tuple[int, int]) -> range:
    """Indices on the other side between the settled pairs around `index` (a block
    of side 0 = old or 1 = new), those pairs' own blocks included; `sizes` are the
    numbers of old and new blocks. `chain` is in reading order on both sides.

    A split-off or merged part lies next to its block: between settled pairs far
    apart (a chapter largely rewritten), only the `PART_REACH` blocks either side
    of the place facing `index` are searched.
    """
    at = bisect.bisect_left(chain, index, key=lambda pair: pair[side])
    own_lo, lo = (chain[at - 1][side], chain[at - 1][1 - side]) if at > 0 else (0, 0)
    if at < len(chain):
        own_hi, hi = chain[at][side], chain[at][1 - side]
    else:
        own_hi, hi = sizes[side] - 1, sizes[1 - side] - 1
    if hi - lo > 2 * PART_REACH:
        facing = lo + (index - own_lo) * (hi - lo) // max(1, own_hi - own_lo)
        lo, hi = max(lo, facing - PART_REACH), min(hi, facing + PART_REACH)
    return range(lo, hi + 1)


def _pair_parts(ch: _Chapter) -> None:
    """Splits, then merges: a left-over block mostly made of the text of a nearby
    edited (or unpaired) block joins its family; see the module's docstring."""
    fixed_old = {ch.new_to_old[n] for n in ch.fixed}
    sizes = (len(ch.old), len(ch.new))

    chain = ch.chain()
    families: dict[int, list[int]] = {}
    for n in ch.free_new(range(len(ch.new))):
        near = _nearby(chain, 1, n, sizes)
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
        near = _nearby(chain, 0, o, sizes)
        wholes = {n: ch.new[n] for n in near if n not in ch.fixed and n not in ch.split_from}
        n = _best_whole(ch.old[o], wholes)
        if n is not None:
            families.setdefault(n, []).append(o)
    for n, parts in families.items():
        partner = ch.new_to_old.get(n)
        if partner is not None:
            del ch.old_to_new[partner]
        members = _family(ch.new[n], partner, parts, ch.old)
        keeper = max(members, key=lambda o: LCSseq.similarity(ch.old[o].code, ch.new[n].code))
        ch.pair(keeper, n)
        ch.merged.update((o, n) for o in members if o != keeper)


def _split_ahead(ch: _Chapter) -> None:
    """An edited block that lost its paragraph's beginning (its first
    `HEAD_SHARE` of words) to the new block just before it, left over: the
    paragraph was split and its first part rewritten. The edit points to one
    block, "splitting leaves the beginning in place" to the other; the text does
    not tell which continues the paragraph, so neither keeps the pid (its
    comments are orphaned, not moved by a guess). Both are reported in
    `split_from`."""
    for n, o in sorted(ch.new_to_old.items()):
        if n in ch.fixed or n in ch.moved or n == 0 or not ch.free_new([n - 1]):
            continue
        old, new, before = ch.old[o], ch.new[n], ch.new[n - 1]
        head = old.code[: max(MIN_WORDS, math.ceil(len(old.code) * HEAD_SHARE))]
        if len(old.code) < 2 * len(head) or len(before.words) < MIN_WORDS:
            continue
        # Most of the beginning is in the block before; little of it is in the edit.
        if LCSseq.similarity(head, before.code) >= PART_MIN_COVERAGE * len(head) and (
            LCSseq.similarity(head, new.code) < (1 - PART_MIN_COVERAGE) * len(head)
        ):
            del ch.new_to_old[n], ch.old_to_new[o]
            ch.split_from.update({n - 1: o, n: o})


def _family(whole: _Text, partner: int | None, parts: list[int], texts: list[_Text]) -> list[int]:
    """`whole`'s partner (if any) and the parts that, joined to it in reading order,
    match `whole` better than it does alone, in reading order. A part that adds
    nothing is a copy or a paraphrase of text the partner already carries."""

    def joined(members: list[int]) -> float:
        return Indel.normalized_similarity(
            whole.code, "".join(texts[i].code for i in sorted(members))
        )

    if partner is None:
        return sorted(parts)
    base = joined([partner])
    return sorted([partner, *(p for p in parts if joined([partner, p]) > base)])


def _align_chapter(old: Sequence[Anchor], new: Sequence[str], vocabulary: _Words) -> _Chapter:
    ch = _Chapter(old, new, vocabulary)
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
    _split_ahead(ch)
    return ch


def _link(aligned: list[_Chapter], c: int, o: int, d: int, n: int) -> None:
    """Old block `o` of chapter `c` moved to new block `n` of chapter `d`."""
    if c == d:
        aligned[c].pair(o, n)
        aligned[c].moved.add(n)
    else:
        aligned[d].moved_in[n] = aligned[c].old_pids[o]
        aligned[c].moved_out.add(o)


def _is_free(aligned: list[_Chapter], c: int, o: int, d: int, n: int) -> bool:
    return (
        0 <= o < len(aligned[c].old)
        and 0 <= n < len(aligned[d].new)
        and bool(aligned[c].free_old([o]))
        and bool(aligned[d].free_new([n]))
    )


def _follow_runs(aligned: list[_Chapter], seeds: list[tuple[int, int, int, int]]) -> None:
    """Blocks that travelled with a moved block keep their pids too.

    `seeds` are moves proven by their text alone (old chapter, old block, new
    chapter, new block). Two seeds a few blocks apart on both sides, in the same
    order, bound a moved section: the free blocks between them are paired like a
    changed region (edits above `MIN_SIMILARITY`, the lone pair of a slot above
    `SLOT_MIN_SIMILARITY`). From each end of a run the neighbours that follow on
    both sides join it while they read the same or are edits of each other; then
    the gaps are filled again between the blocks that joined.
    """
    linked = list(seeds)
    for _ in range(2):  # gaps, ends, then the gaps the ends closed
        runs: dict[tuple[int, int], list[tuple[int, int]]] = {}
        for c, o, d, n in sorted(linked):
            runs.setdefault((c, d), []).append((o, n))
        for (c, d), pairs in runs.items():
            for (o1, n1), (o2, n2) in itertools.pairwise(pairs):
                if 0 < o2 - o1 <= RUN_GAP and 0 < n2 - n1 <= RUN_GAP:
                    linked += _fill_gap(aligned, c, range(o1 + 1, o2), d, range(n1 + 1, n2))
            for o, n in pairs:
                linked += _extend(aligned, c, o, d, n)


def _fill_gap(
    aligned: list[_Chapter], c: int, old_range: range, d: int, new_range: range
) -> list[tuple[int, int, int, int]]:
    """Pair the free blocks between two blocks of a moved section, as in a region."""
    old_ch, new_ch = aligned[c], aligned[d]
    olds, news = old_ch.free_old(old_range), new_ch.free_new(new_range)
    if not olds or not news:
        return []
    if len(olds) == len(news) == 1:
        if _similarity(old_ch.old[olds[0]], new_ch.new[news[0]]) < SLOT_MIN_SIMILARITY:
            return []
        chain = [(olds[0], news[0])]
    else:
        chain = _best_chain(
            [
                (x, y, score - MIN_SIMILARITY)
                for x, o in enumerate(olds)
                for y, n in enumerate(news)
                if (score := _similarity(old_ch.old[o], new_ch.new[n])) >= MIN_SIMILARITY
            ],
            olds,
            news,
        )
    for o, n in chain:
        _link(aligned, c, o, d, n)
    return [(c, o, d, n) for o, n in chain]


def _extend(
    aligned: list[_Chapter], c: int, o: int, d: int, n: int
) -> list[tuple[int, int, int, int]]:
    """The neighbours that follow a moved block on both sides and read the same, or
    are edits of each other long enough (`MIN_WORDS`) not to be a retitled heading."""
    old_ch, new_ch = aligned[c], aligned[d]
    found = []
    for step in (1, -1):
        x, y = o + step, n + step
        while _is_free(aligned, c, x, d, y) and (
            old_ch.old[x].key == new_ch.new[y].key
            or (
                min(len(old_ch.old[x].words), len(new_ch.new[y].words)) >= MIN_WORDS
                and _similarity(old_ch.old[x], new_ch.new[y]) >= MIN_SIMILARITY
            )
        ):
            _link(aligned, c, x, d, y)
            found.append((c, x, d, y))
            x, y = x + step, y + step
    return found


def _align_all(chapters: Sequence[tuple[Sequence[Anchor], Sequence[str]]]) -> list[_Chapter]:
    vocabulary = _Words()
    aligned = [_align_chapter(old, new, vocabulary) for old, new in chapters]
    all_pids = [pid for ch in aligned for pid in ch.old_pids]
    if len(set(all_pids)) != len(all_pids):
        raise ValueError("Pids must be unique across the book's old revisions.")

    seeds = [(c, ch.new_to_old[n], c, n) for c, ch in enumerate(aligned) for n in sorted(ch.moved)]
    retired = [(c, o) for c, ch in enumerate(aligned) for o in ch.free_old(range(len(ch.old)))]
    orphans = [(c, n) for c, ch in enumerate(aligned) for n in ch.free_new(range(len(ch.new)))]
    if len(aligned) == 1:
        retired = orphans = []
    for x, y in _moves(
        [aligned[c].old[o] for c, o in retired], [aligned[c].new[n] for c, n in orphans]
    ):
        (old_chapter, o), (new_chapter, n) = retired[x], orphans[y]
        # Within one chapter, `_align_chapter` has already declined the pair.
        if old_chapter != new_chapter:
            _link(aligned, old_chapter, o, new_chapter, n)
            seeds.append((old_chapter, o, new_chapter, n))
    seeds += _twins(aligned)
    _follow_runs(aligned, seeds)
    return aligned


def _twins(aligned: list[_Chapter]) -> list[tuple[int, int, int, int]]:
    """Moved sections that start or end with a text too short to prove a move (a
    heading such as "Windows") and whose next block was edited on the way.

    A text left over on both sides, once on each among all the blocks left over,
    is a candidate; it moved when the block beside it, on both sides in the same
    direction, is an edit of at least `SLOT_MIN_SIMILARITY` between blocks long
    enough to be paragraphs (`MIN_WORDS`) that share a rare word
    (`RARE_WORD_BLOCKS`). Neither alone is enough: short texts recur, and a
    middling edit away from its place is not proof. Together they are two
    neighbours that agree, like the settled pairs around a slot.
    """
    left: dict[str, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for c, ch in enumerate(aligned):
        for o in ch.free_old(range(len(ch.old))):
            left.setdefault(ch.old[o].key, ([], []))[0].append((c, o))
        for n in ch.free_new(range(len(ch.new))):
            left.setdefault(ch.new[n].key, ([], []))[1].append((c, n))
    found = []
    blocks: Counter[str] | None = None  # blocks each word (code) is found in, when needed
    for olds, news in left.values():
        if len(olds) != 1 or len(news) != 1:
            continue
        (c, o), (d, n) = olds[0], news[0]
        for step in (1, -1):
            x, y = o + step, n + step
            if not (_is_free(aligned, c, o, d, n) and _is_free(aligned, c, x, d, y)):
                continue
            before, after = aligned[c].old[x], aligned[d].new[y]
            if (
                min(len(before.words), len(after.words)) < MIN_WORDS
                or _similarity(before, after) < SLOT_MIN_SIMILARITY
            ):
                continue
            if blocks is None:
                blocks = Counter(
                    itertools.chain.from_iterable(
                        set(text.code) for ch in aligned for text in (*ch.old, *ch.new)
                    )
                )
            shared = set(before.code) & set(after.code)
            if min((blocks[w] for w in shared), default=RARE_WORD_BLOCKS + 1) <= RARE_WORD_BLOCKS:
                _link(aligned, c, o, d, n)
                _link(aligned, c, x, d, y)
                found += [(c, o, d, n), (c, x, d, y)]
    return found


def align(old: Sequence[Anchor], new: Sequence[str]) -> Alignment:
    """One chapter: previous revision's blocks -> new revision's block texts.

    Old pids must be unique (ValueError otherwise). Each old pid is used at most
    once, in `pids` or in `merged`. The result depends on the inputs only.
    """
    return _align_all([(old, new)])[0].result()


def align_book[K: Hashable](
    chapters: Mapping[K, tuple[Sequence[Anchor], Sequence[str]]],
) -> dict[K, Alignment]:
    """Several chapters of one book revised together (an import).

    Each chapter is first aligned with its own previous revision; then a block
    left without pid in one chapter may take the pid of a block retired from
    another chapter (a move), when the texts are near identical and each is the
    other's single best candidate by a margin; the blocks that travelled with it
    follow (see `_follow_runs`). A chapter with no previous revision has
    old=(); a chapter being removed has new=(), so that its pids can move.
    Pids must be unique across all old revisions (ValueError otherwise); each is
    used at most once in the whole result.
    """
    keys = list(chapters)
    aligned = _align_all([chapters[key] for key in keys])
    return {key: ch.result() for key, ch in zip(keys, aligned, strict=True)}
