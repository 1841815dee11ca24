from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import override_settings

from chapters.models import Book
from comments.models import Comment, CommentEdit, Flag, Vote
from comments.posting import RateLimited
from comments.quotes import quote_locate
from comments.revising import chapter_restore, chapter_revise
from comments.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_moderate,
    comment_reply,
    flag_create,
    vote_toggle,
)
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make


def block_pid(chapter, position):
    return chapter.current_revision.blocks.get(position=position).pid


def test_a_comment_is_anchored_to_its_block_and_revision(chapter, reader):
    comment = comment_make(chapter=chapter, author=reader, body="Why *this* word?")
    assert comment.pid == block_pid(chapter, 2)
    assert comment.revision == chapter.current_revision
    assert comment.block_text == "The opening paragraph sets the scene."
    assert comment.state == "current"
    assert comment.moderation == Comment.Moderation.VISIBLE
    assert comment.body_html == "<p>Why <em>this</em> word?</p>"


def test_a_passage_comment_stores_its_quote_with_context(chapter, reader):
    comment = comment_make(
        chapter=chapter, author=reader, quote="paragraph sets", suggestion="paragraph lays out"
    )
    assert comment.quote_exact == "paragraph sets"
    assert comment.quote_prefix == "The opening "
    assert comment.quote_suffix == " the scene."


def test_the_prefix_picks_between_repeated_passages():
    text = "the cat sat; the cat ran; the cat slept"
    assert quote_locate(block_text=text, exact="the cat", prefix="ran; ").suffix == " slept"
    assert quote_locate(block_text=text, exact="the cat").suffix.startswith(" sat")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"body": "   "}, "Your comment is empty."),
        ({"body": "x" * 10_001}, "the limit is 10000"),
        ({"body": "bad\x00byte"}, "control characters"),
        ({"body": "ok", "suggestion": "bell\x07"}, "control characters"),
        ({"body": "ok", "quote": "not in the text"}, "not in this paragraph"),
    ],
)
def test_bad_comments_are_refused_and_nothing_is_written(chapter, reader, kwargs, message):
    with pytest.raises(ValidationError, match=message):
        comment_make(chapter=chapter, author=reader, **kwargs)
    assert not Comment.objects.exists()


def test_a_pid_that_is_not_in_the_chapter_is_refused(chapter, reader):
    with pytest.raises(ValidationError, match="is not in revision 1"):
        comment_create(user=reader, chapter=chapter, pid="nope42", body="Hello")
    other = chapter_make(book=chapter.book, text="# Other\n\nElsewhere.", slug="other")
    with pytest.raises(ValidationError):
        comment_create(user=reader, chapter=chapter, pid=block_pid(other, 2), body="Hello")
    assert not Comment.objects.exists()


def test_anonymous_and_closed_books_cannot_take_comments(chapter, reader):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        comment_make(chapter=chapter, author=AnonymousUser())
    Book.objects.filter(pk=chapter.book_id).update(status=Book.Status.CLOSED)
    chapter.book.refresh_from_db()
    with pytest.raises(PermissionDenied, match="closed"):
        comment_make(chapter=chapter, author=reader)


@override_settings(WETHINK_COMMENTS_PER_MINUTE=3)
def test_too_many_comments_a_minute_are_refused(chapter, reader):
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        comment_make(chapter=chapter, author=reader)
    with pytest.raises(RateLimited):
        comment_make(chapter=chapter, author=reader)
    assert Comment.objects.count() == 3
    comment_make(chapter=chapter, author=UserFactory())  # others are not held back


def test_replies_nest_two_levels_and_deeper_ones_join_the_last(chapter, reader, editor):
    root = comment_make(chapter=chapter, author=reader)
    first = comment_reply(user=editor, parent=root, body="Level one")
    second = comment_reply(user=reader, parent=first, body="Level two")
    third = comment_reply(user=editor, parent=second, body="Would be level three")
    assert (first.depth, second.depth, third.depth) == (1, 2, 2)
    assert third.parent == first
    assert third.pid == root.pid


def test_a_reply_tells_the_commenter_by_email(chapter, reader, editor, mailoutbox):
    root = comment_make(chapter=chapter, author=reader)
    reader.email = "rea@example.org"
    reader.save()
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        comment_reply(user=editor, parent=root, body="Good point")
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["rea@example.org"]
    assert "Good point" in mailoutbox[0].body
    assert root.get_absolute_url().split("#")[0] in mailoutbox[0].body


def test_no_email_when_replies_are_switched_off(chapter, reader, editor, mailoutbox):
    from django.test import TestCase

    from accounts.services import profile_get

    profile = profile_get(reader)
    profile.notify_replies = False
    profile.save()
    root = comment_make(chapter=chapter, author=reader)
    with TestCase.captureOnCommitCallbacks(execute=True):
        comment_reply(user=editor, parent=root, body="Good point")
        comment_reply(user=reader, parent=root, body="Talking to myself")
    assert mailoutbox == []


def test_editing_keeps_the_previous_text(chapter, reader):
    comment = comment_make(chapter=chapter, author=reader, body="First thought")
    comment_edit(user=reader, comment=comment, body="Second thought")
    comment.refresh_from_db()
    assert comment.body == "Second thought"
    assert comment.edited_at is not None
    assert list(CommentEdit.objects.values_list("body", flat=True)) == ["First thought"]


def test_only_the_author_edits_or_deletes(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    with pytest.raises(PermissionDenied):
        comment_edit(user=editor, comment=comment, body="Mine now")
    with pytest.raises(PermissionDenied):
        comment_delete(user=editor, comment=comment)
    comment.refresh_from_db()
    assert comment.body == "A thought." and comment.deleted_at is None


def test_deleting_keeps_replies(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    reply = comment_reply(user=editor, parent=comment, body="Reply")
    comment_delete(user=reader, comment=comment)
    comment.refresh_from_db()
    assert comment.is_deleted and comment.body == ""
    assert Comment.objects.filter(pk=reply.pk).exists()
    assert CommentEdit.objects.get(comment=comment).body == "A thought."


def test_votes_toggle_one_per_reader(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    assert vote_toggle(user=editor, comment=comment) is True
    assert comment.vote_count == 1
    assert vote_toggle(user=editor, comment=comment) is False
    assert comment.vote_count == 0
    assert not Vote.objects.exists()
    with pytest.raises(ValidationError, match="your own"):
        vote_toggle(user=reader, comment=comment)


def test_first_comment_waits_for_approval_when_the_book_asks(chapter, reader, editor):
    Book.objects.filter(pk=chapter.book_id).update(moderation=Book.Moderation.FIRST_COMMENT)
    chapter.book.refresh_from_db()
    first = comment_make(chapter=chapter, author=reader)
    assert first.moderation == Comment.Moderation.PENDING
    assert comment_make(chapter=chapter, author=editor).moderation == Comment.Moderation.VISIBLE
    comment_moderate(user=editor, comment=first, action="approve")
    assert comment_make(chapter=chapter, author=reader).moderation == Comment.Moderation.VISIBLE


def test_flags_and_moderation(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    other = UserFactory()
    flag_create(user=other, comment=comment, reason="Rude")
    with pytest.raises(ValidationError, match="already flagged"):
        flag_create(user=other, comment=comment, reason="Still rude")
    with pytest.raises(ValidationError, match="Reason is empty"):
        flag_create(user=editor, comment=comment, reason=" ")
    with pytest.raises(PermissionDenied):
        comment_moderate(user=other, comment=comment, action="hide", reason="no")
    with pytest.raises(ValidationError, match="Reason is empty"):
        comment_moderate(user=editor, comment=comment, action="hide")
    comment_moderate(user=editor, comment=comment, action="hide", reason="Off topic")
    comment.refresh_from_db()
    assert comment.moderation == Comment.Moderation.HIDDEN
    assert comment.moderation_reason == "Off topic"
    assert Flag.objects.get().resolved_at is not None


def test_comments_follow_their_paragraph_across_revisions(chapter, reader, editor):
    unchanged = comment_make(chapter=chapter, author=reader, position=4)
    edited = comment_make(chapter=chapter, author=reader, position=2)
    removed = comment_make(chapter=chapter, author=reader, position=7)
    text = CHAPTER_TEXT.replace("sets the scene", "sets the whole scene").replace(
        "> A quotation worth commenting on.\n\n", ""
    )
    text = "# First steps\n\nA brand new first paragraph.\n\n" + text.split("\n", 2)[2]
    chapter_revise(chapter=chapter, text=text, editor=editor, message="r2")
    for comment in (unchanged, edited, removed):
        comment.refresh_from_db()
    assert unchanged.state == "current"
    assert edited.state == "changed"
    assert edited.pid == chapter.current_revision.blocks.get(position=3).pid
    assert removed.state == "orphaned"
    chapter_restore(chapter=chapter, number=1, editor=editor)
    removed.refresh_from_db()
    edited.refresh_from_db()
    assert removed.state == "current"
    assert edited.state == "current"


def test_a_comment_on_an_old_revision_is_shown_through_the_pid_mapping(chapter, reader, editor):
    old = chapter.current_revision
    chapter_revise(
        chapter=chapter,
        text=CHAPTER_TEXT.replace("sets the scene", "sets the stage"),
        editor=editor,
        message="r2",
    )
    chapter.refresh_from_db()
    comment = comment_create(
        user=reader, chapter=chapter, pid=old.blocks.get(position=2).pid, body="Hm", revision=old
    )
    assert comment.revision == old
    assert comment.state == "changed"
    assert comment.block_text == "The opening paragraph sets the scene."


def test_comments_move_with_a_paragraph_to_another_chapter(db, reader, tmp_path):
    from django.core.management import call_command

    folder = tmp_path / "book"
    folder.mkdir()
    (folder / "01-a.md").write_text(
        "# A\n\nStays here.\n\nThis paragraph moves away to the other chapter soon.\n"
    )
    (folder / "02-b.md").write_text("# B\n\nThe other chapter.\n")
    call_command("import_book", str(folder), "--book", "movers", stdout=StringIO())
    Book.objects.filter(slug="movers").update(status=Book.Status.OPEN)
    book = Book.objects.get(slug="movers")
    first = book.chapters.get(slug="a")
    comment = comment_make(chapter=first, author=reader, position=3)
    (folder / "01-a.md").write_text("# A\n\nStays here.\n")
    (folder / "02-b.md").write_text(
        "# B\n\nThe other chapter.\n\nThis paragraph moves away to the other chapter soon.\n"
    )
    call_command("import_book", str(folder), "--book", "movers", stdout=StringIO())
    comment.refresh_from_db()
    assert comment.chapter.slug == "b"
    assert comment.state == "current"


def test_a_split_paragraph_takes_passage_comments_to_the_part_holding_their_quote(
    book, reader, editor
):
    long = (
        "The first half of this paragraph explains the idea with plenty of words. "
        "The second half gives an example that readers may well question."
    )
    chapter = chapter_make(book=book, text=f"# Split\n\n{long}\n", slug="split")
    on_second = comment_make(
        chapter=chapter, author=reader, quote="an example that readers may well question"
    )
    on_whole = comment_make(chapter=chapter, author=reader)
    halves = long.replace("words. The second", "words.\n\nThe second")
    chapter_revise(chapter=chapter, text=f"# Split\n\n{halves}\n", editor=editor, message="split")
    blocks = list(chapter.current_revision.blocks.order_by("position"))
    on_second.refresh_from_db()
    on_whole.refresh_from_db()
    assert on_whole.pid == blocks[1].pid
    assert on_second.pid == blocks[2].pid


def test_pids_of_other_books_are_not_touched(chapter, reader, editor):
    other = chapter_make(book=BookFactory(), text=CHAPTER_TEXT, slug="twin")
    comment = comment_make(chapter=other, author=reader)
    chapter_revise(chapter=chapter, text="# Gone\n", editor=editor, message="wipe")
    comment.refresh_from_db()
    assert comment.state == "current"


def test_comment_periods_close_chapters_and_books(chapter, reader):
    from datetime import timedelta

    from django.utils import timezone

    from chapters.models import Chapter
    from chapters.periods import comments_closed_reason, comments_open_until

    assert comments_closed_reason(chapter) is None
    soon = timezone.now() + timedelta(days=3)
    Book.objects.filter(pk=chapter.book_id).update(comments_close_at=soon)
    chapter.book.refresh_from_db()
    assert comments_open_until(chapter) == soon
    comment_make(chapter=chapter, author=reader)
    Book.objects.filter(pk=chapter.book_id).update(
        comments_close_at=timezone.now() - timedelta(days=1)
    )
    chapter.book.refresh_from_db()
    assert "Comments closed on" in comments_closed_reason(chapter)
    with pytest.raises(PermissionDenied, match="Comments closed on"):
        comment_make(chapter=chapter, author=reader)
    chapter.comment_period = Chapter.CommentPeriod.OPEN
    assert comments_closed_reason(chapter) is None
    chapter.comment_period = Chapter.CommentPeriod.CLOSED
    assert "this chapter are closed" in comments_closed_reason(chapter)
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    ("exact", "widened"),
    [
        ("on a paragrap", "on a paragraph"),  # ends inside a word
        ("n a paragraph", "on a paragraph"),  # starts inside a word
        ("aragrap", "paragraph"),  # both
        ("on a paragraph", "on a paragraph"),  # whole words stay as they are
        ("paragraph,", "paragraph,"),
        ("reader", "reader"),  # an apostrophe ends a word: "reader's" keeps its "'s"
    ],
)
def test_a_quote_cut_inside_a_word_is_widened_to_whole_words(exact, widened):
    text = "Put a note on a paragraph, then the reader's view."
    located = quote_locate(block_text=text, exact=exact)
    assert located.exact == widened
    start = text.index(widened)
    assert located.prefix == text[max(0, start - 32) : start]
    assert located.suffix == text[start + len(widened) :][:32]


def test_a_whole_word_occurrence_is_preferred_to_one_inside_a_word():
    located = quote_locate(block_text="Concatenate the cat.", exact="cat")
    assert (located.prefix, located.exact, located.suffix) == ("Concatenate the ", "cat", ".")


def test_text_without_spaces_between_words_is_not_widened():
    located = quote_locate(block_text="我们一起写这本书。", exact="一起")
    assert (located.prefix, located.exact, located.suffix) == ("我们", "一起", "写这本书。")


def test_a_mid_word_quote_is_stored_widened_and_applies_to_whole_words(chapter, reader, editor):
    from chapters.selectors import current_block_texts
    from comments.decisions import comments_decide
    from comments.folding import suggestions_apply

    comment = comment_make(
        chapter=chapter,
        author=reader,
        quote="pening paragrap",
        quote_prefix="The o",
        suggestion="first lines",
    )
    assert comment.quote_exact == "opening paragraph"
    assert (comment.quote_prefix, comment.quote_suffix) == ("The ", " sets the scene.")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    comment.refresh_from_db()
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert "\nThe first lines sets the scene.\n" in result.text


def test_the_comment_limit_counts_replies_and_the_last_sixty_seconds(chapter, reader, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.WETHINK_COMMENTS_PER_MINUTE = 2
    root = comment_make(chapter=chapter, author=reader)
    comment_reply(user=reader, parent=root, body="And another thing.")
    with pytest.raises(RateLimited, match="2 comments in the last minute"):
        comment_reply(user=reader, parent=root, body="One more.")
    # The limit is kept in the database, not the cache: clearing it changes nothing.
    from django.core.cache import cache

    cache.clear()
    with pytest.raises(RateLimited):
        comment_make(chapter=chapter, author=reader)
    Comment.objects.update(created_at=timezone.now() - timedelta(seconds=61))
    comment_make(chapter=chapter, author=reader)
    assert Comment.objects.filter(author=reader).count() == 3


def test_the_comment_limit_holds_with_the_cache_unreachable(chapter, reader, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "wethink.cache.FailSoftRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    settings.WETHINK_COMMENTS_PER_MINUTE = 1
    comment_make(chapter=chapter, author=reader)
    with pytest.raises(RateLimited):
        comment_make(chapter=chapter, author=reader)
    assert Comment.objects.count() == 1


def test_voting_with_a_wanted_state_is_idempotent(chapter, reader, editor):
    comment = comment_make(chapter=chapter, author=reader)
    assert vote_toggle(user=editor, comment=comment, voted=True) is True
    assert vote_toggle(user=editor, comment=comment, voted=True) is True
    assert Vote.objects.filter(comment=comment).count() == 1
    assert comment.vote_count == 1
    assert vote_toggle(user=editor, comment=comment, voted=False) is False
    assert vote_toggle(user=editor, comment=comment, voted=False) is False
    assert not Vote.objects.exists()
    assert comment.vote_count == 0
    assert vote_toggle(user=editor, comment=comment) is True  # no state given: a toggle
    assert comment.vote_count == 1


def test_a_quote_stored_cut_inside_a_word_is_applied_to_whole_words(chapter, reader, editor):
    """Comments saved before quotes were widened may still hold half words."""
    from chapters.selectors import current_block_texts
    from comments.decisions import comments_decide
    from comments.folding import suggestions_apply

    comment = comment_make(chapter=chapter, author=reader, quote="sets", suggestion="paints")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    Comment.objects.filter(pk=comment.pk).update(quote_exact="pening paragrap")
    comment.refresh_from_db()
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert "\nThe paints sets the scene.\n" in result.text


def test_a_suggestion_replaces_the_whole_word_not_one_inside_a_longer_word(book, reader, editor):
    """Without the quote's context to pick the occurrence, whole words still win."""
    from chapters.selectors import current_block_texts
    from comments.decisions import comments_decide
    from comments.folding import suggestions_apply

    chapter = chapter_make(book=book, text="# T\n\nConcatenate the cat.\n", slug="cats")
    comment = comment_make(chapter=chapter, author=reader, quote="cat", suggestion="dog")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    Comment.objects.filter(pk=comment.pk).update(quote_prefix="", quote_suffix="")
    comment.refresh_from_db()
    result = suggestions_apply(
        text=chapter.text, comments=[comment], current_texts=current_block_texts(chapter)
    )
    assert "\nConcatenate the dog.\n" in result.text
