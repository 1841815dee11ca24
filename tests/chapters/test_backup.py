import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.services import profile_get
from chapters.backup import book_backup
from chapters.models import Block, Book, Chapter, ChapterRevision
from chapters.services import chapter_restore, chapter_revise
from comments.folding import fold_save
from comments.models import Comment, CommentEdit, Flag, Vote
from comments.selectors import acknowledgements
from comments.services import (
    comment_delete,
    comment_edit,
    comment_moderate,
    comment_reply,
    comments_decide,
    flag_create,
    vote_toggle,
)
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make


def busy_book():
    editor = UserFactory(username="author", first_name="Ann", last_name="Author")
    readers = [UserFactory(username=f"reader{i}") for i in range(4)]
    book = BookFactory(slug="busy", title="Busy", editors=[editor], moderation="first")
    one = chapter_make(book=book, text=CHAPTER_TEXT, slug="one", editor=editor)
    two = chapter_make(book=book, text="# Two\n\nA paragraph.\n\nAnother one here.\n", slug="two")
    comments_decide(
        user=editor,
        comments=[comment_make(chapter=one, author=editor, body="Editor's own note")],
        decision="accepted",
    )
    first = comment_make(chapter=one, author=readers[0], quote="sets the scene", suggestion="opens")
    comment_moderate(user=editor, comment=first, action="approve")
    reply = comment_reply(user=readers[1], parent=first, body="Agreed")
    comment_moderate(user=editor, comment=reply, action="approve")
    comment_reply(user=readers[2], parent=reply, body="Me too")
    comment_edit(user=readers[0], comment=first, body="Edited thought", suggestion="opens up")
    removed = comment_make(chapter=one, author=readers[0], position=7, body="On the quote")
    gone = comment_make(chapter=two, author=readers[0], position=3, body="Delete me")
    comment_delete(user=readers[0], comment=gone)
    vote_toggle(user=readers[1], comment=first)
    vote_toggle(user=readers[2], comment=first)
    flag_create(user=readers[3], comment=removed, reason="Unclear")
    hidden = comment_make(chapter=two, author=readers[1], body="Hide me")
    comment_moderate(user=editor, comment=hidden, action="approve")
    comment_moderate(user=editor, comment=hidden, action="hide", reason="Off topic")
    pending = comment_make(chapter=two, author=readers[3], body="Waiting")
    assert pending.moderation == "pending"
    comments_decide(user=editor, comments=[first], decision="accepted")
    declined = comment_make(chapter=one, author=readers[0], position=4, body="No thanks")
    comments_decide(user=editor, comments=[declined], decision="declined", reason="Not now")
    text = CHAPTER_TEXT.replace("sets the scene", "opens up").replace(
        "> A quotation worth commenting on.\n\n", ""
    )
    fold_save(user=editor, chapter=one, base=1, text=text, message="Fold", folded=[first.pk])
    chapter_revise(
        chapter=two, text="# Two\n\nA paragraph, changed.\n", editor=editor, message="r2"
    )
    chapter_restore(chapter=two, number=1, editor=editor)
    profile = profile_get(readers[0])
    profile.credit_as = "other"
    profile.credit_name = "R. Zero"
    profile.notify_replies = False
    profile.save()
    return book


def counts():
    return [
        m.objects.count()
        for m in (Book, Chapter, ChapterRevision, Block, Comment, CommentEdit, Vote, Flag)
    ]


@pytest.mark.django_db
def test_a_busy_book_round_trips_with_nothing_lost_or_changed(tmp_path):
    book = busy_book()
    before = book_backup(book=book)
    thanks = acknowledgements(book=book)
    states = dict(Comment.objects.values_list("body", "anchor_state"))
    assert {"changed", "orphaned", "current"} <= set(states.values())
    path = tmp_path / "busy.json"
    call_command(
        "export_book", "busy", "--format", "json", "--output", str(path), stdout=StringIO()
    )
    text = path.read_text()
    assert "pbkdf2" not in text and "password" not in text
    # An empty database: the book with everything in it, and every person.
    Book.objects.all().delete()
    get_user_model().objects.all().delete()
    assert counts() == [0] * 8
    out = StringIO()
    call_command("import_backup", str(path), stdout=out)
    assert "Restored 'busy'" in out.getvalue()
    restored = Book.objects.get(slug="busy")
    after = book_backup(book=restored)
    assert after == before
    assert acknowledgements(book=restored) == thanks
    assert dict(Comment.objects.values_list("body", "anchor_state")) == states
    assert not get_user_model().objects.get(username="reader0").has_usable_password()
    assert profile_get(get_user_model().objects.get(username="reader0")).credit_label == "R. Zero"
    chapter = restored.chapters.get(slug="one")
    assert chapter.current_revision.number == chapter.revision == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.update(format="other"), "not a wethink backup"),
        (lambda d: d.update(version=9), "version 9"),
        (lambda d: d.pop("comments"), "no 'comments'"),
        (lambda d: d["comments"][0].update(author="nobody"), "no such person"),
    ],
)
def test_bad_backups_restore_nothing(tmp_path, change, message):
    book = busy_book()
    data = book_backup(book=book)
    book.delete()
    before = counts()
    change(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=message):
        call_command("import_backup", str(path), stdout=StringIO())
    assert counts() == before


@pytest.mark.django_db
def test_a_book_that_exists_is_not_overwritten(tmp_path):
    busy_book()
    path = tmp_path / "busy.json"
    call_command(
        "export_book", "busy", "--format", "json", "--output", str(path), stdout=StringIO()
    )
    before = counts()
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_backup", str(path), stdout=StringIO())
    assert counts() == before
    path.write_text("not json")
    with pytest.raises(CommandError, match="not a JSON backup"):
        call_command("import_backup", str(path), stdout=StringIO())
