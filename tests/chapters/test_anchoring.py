"""Pids from one revision of a chapter to the next (chapters.anchoring); no database."""

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from chapters.anchoring import (
    MIN_SIMILARITY,
    SLOT_MIN_SIMILARITY,
    Alignment,
    Anchor,
    align,
    align_book,
    similarity,
)

INTRO = "Mercurial offers a powerful mechanism to let you perform automated actions."
HOOKS = "The name Mercurial uses for one of these actions is a hook, called a trigger elsewhere."
SAFETY = "Hooks run with your privileges, so think twice before you trust one from a stranger."
CONFIG = "You set up a hook in the hooks section of your repository's configuration file."
EXIT = "A controlling hook that exits with a non-zero status makes the command fail."
PARAMS = "Parameters to this hook:"
ISLANDS = "Penguins nest on cold islands far from any harbour and feed on krill all summer."


def anchors(*texts: str) -> list[Anchor]:
    return [Anchor(pid=f"p{i}", text=text) for i, text in enumerate(texts)]


def test_unchanged_blocks_keep_their_pids() -> None:
    old = anchors("# Hooks", INTRO, HOOKS, SAFETY)
    assert align(old, ["# Hooks", INTRO, HOOKS, SAFETY]) == Alignment(pids=["p0", "p1", "p2", "p3"])


def test_small_edit_keeps_the_pid() -> None:
    edited = HOOKS.replace("trigger", "triggering")
    assert align(anchors(INTRO, HOOKS, SAFETY), [INTRO, edited, SAFETY]).pids == ["p0", "p1", "p2"]


def test_larger_rewrite_keeps_the_pid_in_a_slot_between_unchanged_neighbours() -> None:
    rewrite = "In Mercurial such an action is a hook, which other tools call a trigger."
    assert SLOT_MIN_SIMILARITY <= similarity(HOOKS, rewrite) < MIN_SIMILARITY
    result = align(anchors(INTRO, HOOKS, SAFETY), [INTRO, rewrite, SAFETY])
    assert result.pids == ["p0", "p1", "p2"]


def test_rewrite_pairs_in_order_inside_a_changed_region() -> None:
    # Two edited paragraphs and a new one between them: each edit keeps its own pid.
    hooks = HOOKS.replace("elsewhere", "in other tools")
    safety = SAFETY.replace("think twice", "be careful")
    old = anchors(INTRO, HOOKS, SAFETY, EXIT)
    result = align(old, [INTRO, hooks, ISLANDS, safety, EXIT])
    assert result.pids == ["p0", "p1", None, "p2", "p3"]


def test_unrelated_text_below_the_floor_gets_no_pid() -> None:
    # Two paragraphs replaced by two unrelated ones: no pairing is guessed.
    other = "Rivers carry sand to the sea where it settles into long pale beaches."
    result = align(anchors(INTRO, HOOKS, SAFETY, EXIT), [INTRO, ISLANDS, other, EXIT])
    assert result.pids == ["p0", None, None, "p3"]
    assert result.split_from == {} and result.merged == {}


def test_inserted_block_gets_no_pid() -> None:
    result = align(anchors(INTRO, HOOKS), [INTRO, ISLANDS, HOOKS])
    assert result.pids == ["p0", None, "p1"]


def test_deleted_block_retires_its_pid() -> None:
    result = align(anchors(INTRO, HOOKS, SAFETY), [INTRO, SAFETY])
    assert result.pids == ["p0", "p2"]
    assert "p1" not in result.merged


def test_moved_block_keeps_its_pid() -> None:
    old = anchors("# Hooks", INTRO, HOOKS, SAFETY, CONFIG, EXIT)
    result = align(old, ["# Hooks", INTRO, SAFETY, CONFIG, EXIT, HOOKS])
    assert result.pids == ["p0", "p1", "p3", "p4", "p5", "p2"]


def test_moved_and_lightly_edited_block_keeps_its_pid() -> None:
    old = anchors("# Hooks", INTRO, HOOKS, SAFETY, CONFIG, EXIT)
    moved = HOOKS.replace("trigger", "triggers")
    result = align(old, ["# Hooks", INTRO, SAFETY, CONFIG, EXIT, moved])
    assert result.pids == ["p0", "p1", "p3", "p4", "p5", "p2"]


def test_short_common_text_does_not_move() -> None:
    # "Example:" removed in one place and added in another is not proof of a move.
    old = anchors("Example:", INTRO, HOOKS, SAFETY)
    result = align(old, [INTRO, HOOKS, SAFETY, "Example:"])
    assert result.pids == ["p1", "p2", "p3", None]


def test_move_to_another_chapter_keeps_the_pid() -> None:
    first = [Anchor("a0", "# First"), Anchor("a1", INTRO), Anchor("a2", HOOKS)]
    second = [Anchor("b0", "# Second"), Anchor("b1", SAFETY)]
    result = align_book(
        {
            "first": (first, ["# First", INTRO]),
            "second": (second, ["# Second", HOOKS.replace("hook", "hook,"), SAFETY]),
        }
    )
    assert result["first"].pids == ["a0", "a1"]
    assert result["second"].pids == ["b0", "a2", "b1"]


def test_paragraphs_of_a_removed_chapter_can_move_to_a_new_one() -> None:
    removed = [Anchor("a0", "# Old appendix"), Anchor("a1", CONFIG)]
    result = align_book({"old": (removed, ()), "new": ((), ["# New appendix", CONFIG, EXIT])})
    assert result["old"].pids == []
    assert result["new"].pids == [None, "a1", None]


def test_identical_text_in_two_chapters_does_not_move_across() -> None:
    # The paragraph stays in its own chapter; the copy added elsewhere is new.
    first = [Anchor("a0", INTRO), Anchor("a1", HOOKS)]
    second = [Anchor("b0", SAFETY)]
    result = align_book({"1": (first, [INTRO, HOOKS]), "2": (second, [SAFETY, HOOKS])})
    assert result["1"].pids == ["a0", "a1"]
    assert result["2"].pids == ["b0", None]


def test_split_first_part_keeps_the_pid_the_other_is_split_from_it() -> None:
    whole = f"{HOOKS} {SAFETY}"
    result = align(anchors(INTRO, whole, EXIT), [INTRO, HOOKS, SAFETY, EXIT])
    assert result.pids == ["p0", "p1", None, "p2"]
    assert result.split_from == {2: "p1"}


def test_split_into_a_short_head_and_a_long_rest_leaves_the_pid_on_the_head() -> None:
    long_rest = f"{SAFETY} {CONFIG}"
    result = align(anchors(INTRO, f"{HOOKS} {long_rest}", EXIT), [INTRO, HOOKS, long_rest, EXIT])
    assert result.pids == ["p0", "p1", None, "p2"]
    assert result.split_from == {2: "p1"}


DIRSTATE = (
    "When Mercurial checks the files in the working directory it first looks at the "
    "modification time of each. If the size of a file has changed, the file must have been "
    "modified. If the time has changed but the size has not, Mercurial reads the contents to "
    "see whether they changed."
)
DIRSTATE_REST = (
    "If the size of a file has changed, the file must have been modified. If the time has "
    "changed but the size has not, Mercurial reads the contents to see whether they changed."
)


def test_split_whose_rewritten_beginning_is_not_the_edit_keeps_no_pid() -> None:
    # The edit (most of the text) and the beginning (the split rule) point to two
    # different blocks: no guess, both are reported as split off the paragraph.
    beginning = (
        "When Mercurial checks the files in the working directory it first looks at a "
        "timestamp kept in the dirstate, recorded whenever Mercurial last wrote that entry; "
        "equal stamps mean nothing needs a closer look."
    )
    result = align(anchors(INTRO, DIRSTATE, EXIT), [INTRO, beginning, DIRSTATE_REST, EXIT])
    assert result == Alignment(pids=["p0", None, None, "p2"], split_from={1: "p1", 2: "p1"})


def test_split_whose_beginning_reads_as_before_leaves_the_pid_on_it() -> None:
    first_sentence = DIRSTATE.split(". ")[0] + "."
    result = align(anchors(INTRO, DIRSTATE, EXIT), [INTRO, first_sentence, DIRSTATE_REST, EXIT])
    assert result == Alignment(pids=["p0", "p1", None, "p2"], split_from={2: "p1"})


def test_short_label_replacing_a_paragraph_does_not_take_its_pid() -> None:
    # Both words of "A hook" occur in the paragraph, too few to say it came from it.
    result = align(anchors(INTRO, HOOKS, EXIT), [INTRO, "A hook", EXIT])
    assert result.pids == ["p0", None, "p2"]
    assert result.split_from == {}


def test_copy_of_a_sentence_next_to_its_edited_paragraph_is_not_a_split() -> None:
    # The edited paragraph still holds the sentence: the new block copies it, nothing
    # was split off.
    edited = f"{HOOKS} {SAFETY.replace('think twice', 'be careful')}"
    result = align(anchors(INTRO, f"{HOOKS} {SAFETY}", EXIT), [INTRO, edited, SAFETY, EXIT])
    assert result.pids == ["p0", "p1", None, "p2"]
    assert result.split_from == {}


def test_merge_keeps_the_pid_holding_most_text_and_reports_the_other() -> None:
    longer = f"{HOOKS} {CONFIG}"
    result = align(anchors(INTRO, SAFETY, longer, EXIT), [INTRO, f"{SAFETY} {longer}", EXIT])
    assert result.pids == ["p0", "p2", "p3"]
    assert result.merged == {"p1": 1}


def test_quoted_title_is_not_merged_into_the_paragraph_citing_it() -> None:
    caption = "Graphical history of the hello repository"
    text = "It shows which direction history is flowing in, from the oldest change to the newest."
    citing = f"\u201c{caption}\u201d {text}"
    result = align(anchors(INTRO, caption, text, EXIT), [INTRO, citing, EXIT])
    assert result.pids == ["p0", "p2", "p3"]
    assert result.merged == {}


def test_third_copy_of_a_repeated_paragraph_is_new() -> None:
    old = anchors(
        "# Hooks", "## commit", PARAMS, "node: a changeset id", "## tag", PARAMS, "tag: a name"
    )
    new = [t.text for t in old] + ["## update", PARAMS, "parent1: a changeset id"]
    result = align(old, new)
    assert result.pids == ["p0", "p1", "p2", "p3", "p4", "p5", "p6", None, None, None]


def test_deleting_one_of_two_copies_retires_exactly_one_pid() -> None:
    old = anchors("## commit", PARAMS, "node: a changeset id", "## tag", PARAMS, "tag: a name")
    result = align(old, ["## commit", PARAMS, "node: a changeset id", "## tag", "tag: a name"])
    assert result.pids == ["p0", "p1", "p2", "p3", "p5"]


def test_identical_duplicates_moving_are_not_guessed() -> None:
    # Two copies of one paragraph leave; one copy reappears far away: which one? No guess.
    old = anchors(HOOKS, INTRO, HOOKS, SAFETY, CONFIG, EXIT)
    result = align(old, [INTRO, SAFETY, CONFIG, EXIT, HOOKS])
    assert result.pids == ["p1", "p3", "p4", "p5", None]


@pytest.mark.parametrize(
    ("old", "new", "pids"),
    [
        ([], [INTRO, HOOKS], [None, None]),
        (anchors(INTRO, HOOKS), [], []),
        ([], [], []),
    ],
    ids=["old empty", "new empty", "both empty"],
)
def test_empty_chapters(old: list[Anchor], new: list[str], pids: list[str | None]) -> None:
    assert align(old, new) == Alignment(pids=pids)


def test_duplicate_old_pids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        align([Anchor("p", INTRO), Anchor("p", HOOKS)], [INTRO])
    with pytest.raises(ValueError, match="unique"):
        align_book({1: ([Anchor("p", INTRO)], [INTRO]), 2: ([Anchor("p", HOOKS)], [HOOKS])})


# Property-based tests: texts from a small vocabulary, so that repeats, edits,
# splits and look-alikes happen often.

WORDS = ["hook", "commit", "the", "a", "repository", "runs", "changeset", "merge", "tag", "of"]
paragraph = st.lists(st.sampled_from(WORDS), min_size=0, max_size=14).map(" ".join)
chapter = st.lists(paragraph, max_size=14)


def check_invariants(old: list[Anchor], new: list[str], result: Alignment) -> None:
    old_pids = {anchor.pid for anchor in old}
    kept = [pid for pid in result.pids if pid is not None]
    assert len(result.pids) == len(new)
    assert len(kept) == len(set(kept)), "a pid is used twice"
    assert set(kept) <= old_pids, "a pid does not come from the old revision"
    assert set(result.merged) <= old_pids - set(kept)
    assert all(0 <= index < len(new) for index in result.merged.values())
    assert all(result.pids[index] is None for index in result.split_from)
    assert set(result.split_from.values()) <= old_pids


@settings(database=None, max_examples=200)
@given(chapter)
def test_property_aligning_a_text_onto_itself_keeps_every_pid(texts: list[str]) -> None:
    old = anchors(*texts)
    assert align(old, texts) == Alignment(pids=[anchor.pid for anchor in old])


@settings(database=None, max_examples=300)
@given(chapter, chapter)
def test_property_pids_are_unique_and_come_from_old(old_texts: list[str], new: list[str]) -> None:
    old = anchors(*old_texts)
    check_invariants(old, new, align(old, new))


@settings(database=None, max_examples=200)
@given(chapter, st.data())
def test_property_edited_revision_keeps_invariants(texts: list[str], data: st.DataObject) -> None:
    # The new revision derives from the old one: blocks dropped, edited, inserted, moved.
    new = list(texts)
    for _ in range(data.draw(st.integers(0, 6))):
        action = data.draw(st.sampled_from(["drop", "edit", "insert", "move", "split"]))
        if not new and action != "insert":
            continue
        i = data.draw(st.integers(0, max(0, len(new) - 1)))
        if action == "drop":
            del new[i]
        elif action == "edit":
            new[i] = f"{new[i]} {data.draw(st.sampled_from(WORDS))}"
        elif action == "insert":
            new.insert(i, data.draw(paragraph))
        elif action == "move":
            new.insert(data.draw(st.integers(0, len(new) - 1)), new.pop(i))
        else:
            words = new[i].split()
            cut = len(words) // 2
            new[i : i + 1] = [" ".join(words[:cut]), " ".join(words[cut:])]
    old = anchors(*texts)
    check_invariants(old, new, align(old, new))


@settings(database=None, max_examples=100)
@given(chapter, chapter)
def test_property_result_is_deterministic(old_texts: list[str], new: list[str]) -> None:
    old = anchors(*old_texts)
    assert align(old, new) == align(list(old), list(new))
    book = {
        "a": (old, new),
        "b": ([Anchor(f"b{i}", text) for i, text in enumerate(new)], old_texts),
    }
    assert align_book(book) == align_book(dict(book))


@settings(database=None, max_examples=150)
@given(st.lists(st.tuples(chapter, chapter), min_size=1, max_size=4))
def test_property_book_pids_are_unique_across_chapters(
    chapters: list[tuple[list[str], list[str]]],
) -> None:
    book = {
        c: ([Anchor(f"c{c}p{i}", text) for i, text in enumerate(old)], new)
        for c, (old, new) in enumerate(chapters)
    }
    result = align_book(book)
    all_old = {anchor.pid for old, _ in book.values() for anchor in old}
    kept = [pid for alignment in result.values() for pid in alignment.pids if pid is not None]
    assert len(kept) == len(set(kept))
    assert set(kept) <= all_old
    assert all(len(result[c].pids) == len(new) for c, (_, new) in book.items())


@settings(database=None, max_examples=200)
@given(chapter, st.data())
def test_property_insertions_keep_every_pid_on_its_text(
    texts: list[str], data: st.DataObject
) -> None:
    # Inserted paragraphs use words the old ones never do.
    fresh = st.lists(st.sampled_from(["zebra", "okapi", "lynx"]), min_size=1, max_size=9)
    new: list[tuple[str | None, str]] = [(f"p{i}", text) for i, text in enumerate(texts)]
    for _ in range(data.draw(st.integers(1, 5))):
        new.insert(data.draw(st.integers(0, len(new))), (None, " ".join(data.draw(fresh))))
    result = align(anchors(*texts), [text for _, text in new])
    assert result.pids == [pid for pid, _ in new]
    assert result.split_from == {} and result.merged == {}


# Moved sections, edits on the way, and deletions beside look-alikes.

SECTION = [
    "## Hook safety",
    "Hooks run with your privileges, so think twice before you trust one from a stranger.",
    "A hook that a colleague wrote can still delete files in your working directory.",
    "Example:",
    "Read the hook's source before you enable it in any repository you care about.",
    "Prefer hooks that only read the repository to hooks that change the working copy.",
]
OTHER = [
    "Tags name a changeset so that you can find it again without its long hexadecimal id.",
    "A tag is stored in a file that is itself under revision control, like any other.",
]


def test_a_moved_section_keeps_its_pids_also_where_it_was_edited_on_the_way() -> None:
    first = [Anchor(f"a{i}", text) for i, text in enumerate(["# Hooks", INTRO, *SECTION, EXIT])]
    second = [Anchor(f"b{i}", text) for i, text in enumerate(["# Tags", *OTHER])]
    moved = list(SECTION)
    # Rewritten well below the move floor: only its neighbours vouch for it.
    moved[2] = "A hook written by a colleague may still remove files from your working copy."
    assert similarity(SECTION[2], moved[2]) < 0.6
    result = align_book(
        {
            "first": (first, ["# Hooks", INTRO, EXIT]),
            "second": (second, ["# Tags", *OTHER, *moved]),
        }
    )
    assert result["first"].pids == ["a0", "a1", f"a{len(SECTION) + 2}"]
    assert result["second"].pids == ["b0", "b1", "b2", *(f"a{i + 2}" for i in range(len(SECTION)))]


def test_a_section_moved_into_a_new_chapter_keeps_its_short_blocks() -> None:
    # "Example:" and the heading prove nothing alone; inside the run they follow.
    first = [Anchor(f"a{i}", text) for i, text in enumerate(["# Hooks", INTRO, *SECTION])]
    result = align_book({"first": (first, ["# Hooks", INTRO]), "new": ((), ["# Safety", *SECTION])})
    assert result["new"].pids == [None, *(f"a{i + 2}" for i in range(len(SECTION)))]


WINDOWS = "Windows users install the graphical client, which bundles plink and needs no setup."
LINUX = "Linux users install the package of their distribution with its own package manager."


def test_a_section_moved_under_its_heading_keeps_its_pids_also_when_rewritten() -> None:
    # The heading is too short to prove a move and the paragraph is rewritten below
    # MIN_SIMILARITY; side by side, sharing a rare word ("plink"), they do.
    rewritten = (
        "The simplest choice on Windows is TortoiseHg, since it bundles plink and so needs no "
        "setup at all."
    )
    assert SLOT_MIN_SIMILARITY <= similarity(WINDOWS, rewritten) < MIN_SIMILARITY
    old = anchors("# Installing", INTRO, "Linux", LINUX, "Windows", WINDOWS, "# Next", EXIT)
    new = ["# Installing", INTRO, "Windows", rewritten, "Linux", LINUX, "# Next", EXIT]
    assert align(old, new).pids == ["p0", "p1", "p4", "p5", "p2", "p3", "p6", "p7"]


def test_a_heading_found_again_beside_a_paragraph_on_the_same_subject_does_not_move() -> None:
    # The paragraph after the heading shares only words that the chapter uses all
    # over: the subject, not this paragraph. It is new text under an old heading.
    filler = [
        f"Windows users of release {i} install the client and then the command." for i in range(6)
    ]
    other = "Windows users on a laptop install the client with the command from the shop."
    assert similarity(WINDOWS, other) >= SLOT_MIN_SIMILARITY
    old = anchors("# Installing", *filler, "Linux", LINUX, "Windows", WINDOWS)
    new = ["# Installing", "Windows", other, *filler, "Linux", LINUX]
    pids = align(old, new).pids
    assert pids[1:3] == [None, None]
    assert "p9" not in pids and "p10" not in pids


def test_a_lone_moved_paragraph_edited_below_the_move_floor_is_new() -> None:
    # Away from its neighbours only the text vouches for it; a rewrite is not enough.
    first = [Anchor("a0", "# Hooks"), Anchor("a1", INTRO), Anchor("a2", HOOKS)]
    second = [Anchor("b0", "# Tags"), *(Anchor(f"b{i + 1}", t) for i, t in enumerate(OTHER))]
    rewritten = "Mercurial calls such an action a hook; other tools call it a trigger."
    result = align_book(
        {"first": (first, ["# Hooks", INTRO]), "second": (second, ["# Tags", *OTHER, rewritten])}
    )
    assert result["second"].pids == ["b0", "b1", "b2", None]


def test_a_deleted_paragraph_is_not_glued_to_a_look_alike_written_elsewhere() -> None:
    # The deleted paragraph and the new one share most words, not enough for a move.
    first = [Anchor("a0", "# Hooks"), Anchor("a1", INTRO), Anchor("a2", SAFETY), Anchor("a3", EXIT)]
    second = [Anchor("b0", "# Tags"), *(Anchor(f"b{i + 1}", t) for i, t in enumerate(OTHER))]
    look_alike = (
        "Hooks run with the privileges of the user, so trust one from a stranger "
        "only after reading it."
    )
    assert 0.5 < similarity(SAFETY, look_alike) < 0.9
    result = align_book(
        {
            "first": (first, ["# Hooks", INTRO, EXIT]),
            "second": (second, ["# Tags", OTHER[0], look_alike, OTHER[1]]),
        }
    )
    assert result["first"].pids == ["a0", "a1", "a3"]
    assert result["second"].pids == ["b0", "b1", None, "b2"]


def test_two_candidates_close_together_move_neither() -> None:
    # Two near copies retire; a text as close to both reappears elsewhere: no guess.
    again, often = SAFETY.replace("twice", "again"), SAFETY.replace("twice", "often")
    first = [Anchor("a0", INTRO), Anchor("a1", again), Anchor("a2", often), Anchor("a3", EXIT)]
    second = [Anchor("b0", OTHER[0])]
    result = align_book({"1": (first, [INTRO, EXIT]), "2": (second, [OTHER[0], SAFETY])})
    assert result["2"].pids == ["b0", None]


def test_a_chapter_rewritten_entirely_keeps_no_pid() -> None:
    # A region far bigger than REGION_PAIRS: searched in a band, still no guesses.
    old = anchors(*(f"Old paragraph number {i} about {WORDS[i % 10]} and bees" for i in range(300)))
    new = [f"Fresh text {i} on {WORDS[i % 7]} with otters and moss" for i in range(300)]
    assert align(old, new).pids == [None] * 300


sentence = st.lists(st.sampled_from(WORDS), min_size=6, max_size=12).map(" ".join)


@settings(database=None, max_examples=60, deadline=None)
@given(
    st.lists(sentence, min_size=2, max_size=8, unique=True),
    st.lists(sentence, min_size=1, max_size=6, unique=True),
    st.data(),
)
def test_property_a_moved_run_never_gives_a_pid_to_the_wrong_block(
    texts: list[str], others: list[str], data: st.DataObject
) -> None:
    # A run leaves chapter 1 for chapter 2, some of it edited: every pid lands on its
    # own paragraph or nowhere, and the unedited distinct paragraphs of the run follow.
    # Texts found in both chapters are ambiguous by nature (see the tests above).
    assume(not set(texts) & set(others))
    start = data.draw(st.integers(0, len(texts) - 1))
    stop = data.draw(st.integers(start + 1, len(texts)))
    run = [(f"a{i}", texts[i]) for i in range(start, stop)]
    edited = {pid: f"{text} {data.draw(st.sampled_from(WORDS))}" for pid, text in run[1::3]}
    moved = [(pid, edited.get(pid, text)) for pid, text in run]
    at = data.draw(st.integers(0, len(others)))
    second_new = [(f"b{i}", t) for i, t in enumerate(others)]
    second_new[at:at] = moved
    first_new = [(f"a{i}", t) for i, t in enumerate(texts) if not start <= i < stop]
    result = align_book(
        {
            1: (
                [Anchor(f"a{i}", t) for i, t in enumerate(texts)],
                [t for _, t in first_new],
            ),
            2: ([Anchor(f"b{i}", t) for i, t in enumerate(others)], [t for _, t in second_new]),
        }
    )
    for chapter, expected in ((1, first_new), (2, second_new)):
        for got, (pid, _text) in zip(result[chapter].pids, expected, strict=True):
            assert got in (pid, None), f"{got} landed on the block of {pid}"


@settings(database=None, max_examples=60, deadline=None)
@given(st.lists(sentence, min_size=3, max_size=8, unique=True), st.data())
def test_property_deleted_paragraphs_never_keep_their_pid_beside_look_alikes(
    texts: list[str], data: st.DataObject
) -> None:
    # Paragraphs deleted from chapter 1 while new ones, from the same words, are
    # written in chapter 2: the deleted pids retire or land nowhere else.
    deleted = set(data.draw(st.lists(st.integers(0, len(texts) - 1), min_size=1, unique=True)))
    written = data.draw(st.lists(sentence, min_size=1, max_size=4))
    kept = [(f"a{i}", t) for i, t in enumerate(texts) if i not in deleted]
    result = align_book(
        {
            1: ([Anchor(f"a{i}", t) for i, t in enumerate(texts)], [t for _, t in kept]),
            2: ([], written),
        }
    )
    gone = {f"a{i}" for i in deleted} - {pid for pid, t in kept}
    landed = {pid for alignment in result.values() for pid in alignment.pids if pid}
    copies = {f"a{i}" for i in deleted if texts[i] in written}
    near = {f"a{i}" for i in deleted if any(similarity(texts[i], w) >= 0.9 for w in written)}
    # Only a text written again (nearly) word for word may take a deleted pid.
    assert (landed & gone) <= copies | near
    assert all(got in (pid, None) for got, (pid, _) in zip(result[1].pids, kept, strict=True))
