import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from chapters.selectors import current_block_texts
from comments.decisions import comments_decide
from comments.folding import FoldConflict, fold_message, fold_save, suggestions_apply
from comments.markdown_chunks import chunks_join, chunks_split
from comments.models import Comment
from comments.revising import chapter_revise
from comments.selectors import fold_candidates
from tests.conftest import CHAPTER_TEXT
from tests.factories import UserFactory, chapter_make, comment_make


def accepted(chapter, editor, **kw):
    comment = comment_make(chapter=chapter, **kw)
    comments_decide(user=editor, comments=[comment], decision="accepted")
    comment.refresh_from_db()
    return comment


def test_markdown_splits_into_blocks_and_back():
    chunks = chunks_split(CHAPTER_TEXT)
    assert [c.source.split("\n")[0] for c in chunks] == [
        "# First steps",
        "The opening paragraph sets the scene.",
        "## A section",
        "A second paragraph, with *emphasis* and a [link](https://example.org/).",
        "- one item",
        "- another item",
        "> A quotation worth commenting on.",
        "```python",
    ]
    assert chunks_join(chunks) == CHAPTER_TEXT


def test_a_passage_suggestion_replaces_just_the_passage(chapter, reader, editor):
    comment = accepted(
        chapter, editor, author=reader, quote="sets the scene", suggestion="opens the story"
    )
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert result.applied_ids() == [comment.pk]
    assert "The opening paragraph opens the story." in result.text
    assert result.text.count("\n") == CHAPTER_TEXT.count("\n")


def test_a_block_suggestion_keeps_the_list_marker(chapter, reader, editor):
    comment = accepted(chapter, editor, author=reader, position=6, suggestion="a better item")
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert "- one item\n- a better item\n" in result.text


def test_smart_quotes_in_the_rendered_text_match_plain_ones_in_the_source(book, reader, editor):
    chapter = chapter_make(
        book=book, text='# Q\n\nThe author\'s "best" idea -- so far.\n', slug="quotes"
    )
    comment = accepted(
        chapter,
        editor,
        author=reader,
        quote="author\u2019s \u201cbest\u201d idea",
        suggestion="author's second-best idea",
    )
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert result.applied_ids() == [comment.pk]
    assert "The author's second-best idea -- so far." in result.text


def test_a_stale_suggestion_is_not_applied(chapter, reader, editor):
    comment = accepted(
        chapter, editor, author=reader, quote="sets the scene", suggestion="opens the story"
    )
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "paints the scene"),
        editor=editor,
        message="edit",
    )
    chapter.refresh_from_db()
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert result.applied_ids() == []
    assert "wording has changed" in result.applications[0].reason
    assert result.text == chapter.text


def test_fold_save_incorporates_the_folded_comments(chapter, reader, editor, mailoutbox):
    from django.test import TestCase

    one = accepted(chapter, editor, author=reader, quote="sets the scene", suggestion="opens up")
    two = accepted(chapter, editor, author=UserFactory(username="ana"), position=4)
    waiting = comment_make(chapter=chapter, author=reader, position=7)
    candidates = fold_candidates(chapter)
    assert [c.pk for c in candidates] == [one.pk, two.pk]
    assert fold_message(candidates) == "Fold in 2 comments by ana, rea"
    result = suggestions_apply(
        text=chapter.text, comments=[one], current_texts=current_block_texts(chapter)
    )
    with TestCase.captureOnCommitCallbacks(execute=True):
        revision = fold_save(
            user=editor,
            chapter=chapter,
            base=1,
            text=result.text,
            message="Fold in comments",
            folded=[one.pk, two.pk],
        )
    assert revision.number == 2
    for comment in (one, two, waiting):
        comment.refresh_from_db()
    assert one.state == "incorporated" and one.incorporated_in == revision
    assert two.state == "incorporated"
    assert waiting.decision == Comment.Decision.OPEN
    assert len(mailoutbox) == 2


def test_fold_refuses_what_is_not_accepted_or_not_allowed(chapter, reader, editor):
    open_comment = comment_make(chapter=chapter, author=reader)
    text = CHAPTER_TEXT + "\nMore.\n"
    with pytest.raises(ValidationError, match="Only accepted"):
        fold_save(
            user=editor, chapter=chapter, base=1, text=text, message="x", folded=[open_comment.pk]
        )
    with pytest.raises(PermissionDenied):
        fold_save(user=reader, chapter=chapter, base=1, text=text, message="x", folded=[])
    with pytest.raises(ValidationError, match="revision message"):
        fold_save(user=editor, chapter=chapter, base=1, text=text, message=" ", folded=[])
    good = accepted(chapter, editor, author=reader)
    with pytest.raises(ValidationError, match="unchanged"):
        fold_save(
            user=editor, chapter=chapter, base=1, text=CHAPTER_TEXT, message="x", folded=[good.pk]
        )
    chapter.refresh_from_db()
    assert chapter.revision == 1


def test_a_second_editor_gets_a_conflict_and_nothing_is_overwritten(chapter, editor):
    other = UserFactory(username="ed2")
    chapter.book.editors.add(other)
    mine = CHAPTER_TEXT + "\nMy ending.\n"
    theirs = CHAPTER_TEXT.replace("# First steps", "# First steps, revised")
    fold_save(user=other, chapter=chapter, base=1, text=theirs, message="Theirs", folded=[])
    with pytest.raises(FoldConflict) as conflict:
        fold_save(user=editor, chapter=chapter, base=1, text=mine, message="Mine", folded=[])
    assert conflict.value.newer.number == 2
    chapter.refresh_from_db()
    assert chapter.text.startswith("# First steps, revised")
    assert chapter.revisions.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_editors_racing_exactly_one_wins(editor):
    if connection.vendor != "postgresql":
        pytest.skip(
            "SQLite allows one writer at a time, so saves cannot overlap; run on PostgreSQL"
        )
    from tests.factories import BookFactory

    book = BookFactory(slug="race", editors=[editor])
    other = UserFactory(username="ed2")
    book.editors.add(other)
    chapter = chapter_make(book=book, text=CHAPTER_TEXT, slug="race")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(user, text):
        from django.db import connection as thread_connection

        barrier.wait()
        try:
            fold_save(user=user, chapter=chapter, base=1, text=text, message="race", folded=[])
            outcomes.append("saved")
        except FoldConflict:
            outcomes.append("conflict")
        finally:
            thread_connection.close()

    threads = [
        threading.Thread(target=save, args=(editor, CHAPTER_TEXT + "\nOne.\n")),
        threading.Thread(target=save, args=(other, CHAPTER_TEXT + "\nTwo.\n")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "saved"]
    chapter.refresh_from_db()
    assert chapter.revision == 2


def test_decisions_follow_the_state_machine(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    comments_decide(user=editor, comments=[comment], decision="deferred")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    comments_decide(
        user=editor, comments=[comment], decision="declined", reason="Not for this book"
    )
    assert comment.replies.get().body == "Not for this book"
    with pytest.raises(ValidationError, match="cannot become"):
        comments_decide(user=editor, comments=[comment], decision="deferred")
    with pytest.raises(ValidationError, match="Unknown decision"):
        comments_decide(user=editor, comments=[comment], decision="incorporated")
    with pytest.raises(PermissionDenied):
        comments_decide(user=reader, comments=[comment], decision="open")
    reply = comment.replies.get()
    with pytest.raises(ValidationError, match="not replies"):
        comments_decide(user=editor, comments=[reply], decision="accepted")
    comment.refresh_from_db()
    assert comment.decision == Comment.Decision.DECLINED


def fold_url(chapter):
    return reverse("comments:fold", kwargs={"book": chapter.book.slug, "chapter": chapter.slug})


def block_pids(revision):
    return list(revision.blocks.order_by("position").values_list("pid", flat=True))


def test_a_suggestion_sharing_no_word_with_its_paragraph_keeps_the_pid(
    client, chapter, reader, editor
):
    comment = accepted(
        chapter, editor, author=reader, position=2, suggestion="Dawn breaks over quiet hills."
    )
    before = block_pids(chapter.current_revision)
    client.force_login(editor)
    page = client.post(
        fold_url(chapter),
        {"text": chapter.text, "base": 1, "message": "", "action": f"apply:{comment.pk}"},
    )
    assert "Dawn breaks over quiet hills." in page.context["text"]
    response = client.post(
        fold_url(chapter),
        {
            "text": page.context["text"],
            "base": 1,
            "hints": page.context["hints"],
            "message": "Fold in",
            "folded": [comment.pk],
            "action": "save",
        },
    )
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert block_pids(chapter.current_revision) == before
    comment.refresh_from_db()
    assert comment.pid == before[1]
    assert comment.state == "incorporated"
    assert comment.anchor_state == Comment.AnchorState.CHANGED
    thread = client.get(comment.get_absolute_url().split("#")[0]).text
    assert "incorporated in r2" in thread and "on removed text" not in thread
    diff = client.get(response["Location"]).text
    assert "Paragraph 2 edited" in diff and "removed" not in diff and "added" not in diff
    assert "Comments folded into this change" in diff and comment.get_absolute_url() in diff


def test_a_passage_suggestion_rewriting_most_of_a_paragraph_keeps_the_pid(chapter, reader, editor):
    comment = accepted(
        chapter,
        editor,
        author=reader,
        quote="The opening paragraph sets the scene",
        suggestion="Dawn breaks over quiet hills",
    )
    before = block_pids(chapter.current_revision)
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert result.hints == {before[1]: "Dawn breaks over quiet hills."}
    revision = fold_save(
        user=editor,
        chapter=chapter,
        base=1,
        text=result.text,
        message="m",
        folded=[comment.pk],
        pid_hints=result.hints,
    )
    assert block_pids(revision) == before
    comment.refresh_from_db()
    assert comment.pid == before[1] and comment.anchor_state != Comment.AnchorState.ORPHANED


@pytest.mark.parametrize("one_by_one", [True, False])
def test_several_suggestions_on_one_paragraph_keep_one_pid(chapter, reader, editor, one_by_one):
    first = accepted(
        chapter, editor, author=reader, quote="The opening paragraph", suggestion="Dawn"
    )
    second = accepted(
        chapter,
        editor,
        author=UserFactory(username="ana"),
        quote="sets the scene",
        suggestion="breaks over quiet hills",
    )
    before = block_pids(chapter.current_revision)
    current = current_block_texts(chapter)
    if one_by_one:
        step = suggestions_apply(text=chapter.text, comments=[first], current_texts=current)
        result = suggestions_apply(
            text=step.text, comments=[second], current_texts=current, hints=step.hints
        )
    else:
        result = suggestions_apply(
            text=chapter.text, comments=[first, second], current_texts=current
        )
    assert "Dawn breaks over quiet hills." in result.text
    assert result.hints == {before[1]: "Dawn breaks over quiet hills."}
    revision = fold_save(
        user=editor,
        chapter=chapter,
        base=1,
        text=result.text,
        message="m",
        folded=[first.pk, second.pk],
        pid_hints=result.hints,
    )
    assert block_pids(revision) == before
    for comment in (first, second):
        comment.refresh_from_db()
        assert comment.pid == before[1] and comment.state == "incorporated"


def test_the_pid_holds_when_the_editor_retouches_the_applied_wording(chapter, reader, editor):
    comment = accepted(
        chapter, editor, author=reader, position=2, suggestion="Dawn breaks over quiet hills."
    )
    before = block_pids(chapter.current_revision)
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    retouched = result.text.replace("quiet hills.", "the quiet hills, slowly.")
    revision = fold_save(
        user=editor,
        chapter=chapter,
        base=1,
        text=retouched,
        message="m",
        folded=[comment.pk],
        pid_hints=result.hints,
    )
    assert block_pids(revision) == before


@pytest.mark.parametrize("hints", ["{not json", "[1, 2]", '{"abc": 3}'])
def test_damaged_suggestion_hints_are_a_clear_400(client, chapter, editor, hints):
    client.force_login(editor)
    response = client.post(
        fold_url(chapter),
        {"text": CHAPTER_TEXT + "\nMore.\n", "base": 1, "hints": hints, "message": "m"},
    )
    assert response.status_code == 400
    assert "record of applied suggestions is damaged" in response.text
    chapter.refresh_from_db()
    assert chapter.revision == 1
