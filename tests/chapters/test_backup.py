import json
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.services import profile_get
from chapters.models import Block, Book, Chapter, ChapterRevision
from comments.decisions import comments_decide
from comments.folding import fold_save
from comments.models import WHOLE_CHAPTER, Comment, CommentEdit, Flag, Vote
from comments.revising import chapter_restore, chapter_revise
from comments.selectors import acknowledgements
from comments.services import (
    comment_create,
    comment_delete,
    comment_edit,
    comment_moderate,
    comment_reply,
    flag_create,
    vote_toggle,
)
from jobs.backup import book_backup
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make
from wethink.rendering import render_chapter, render_comment


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
    comment_create(user=readers[2], chapter=one, pid=WHOLE_CHAPTER, body="On the whole chapter")
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
    get_user_model().objects.all().delete()
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


# A backup file is untrusted input.


def restore(tmp_path, data: dict, *args: str) -> str:
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(data))
    out = StringIO()
    call_command("import_backup", str(path), *args, stdout=out)
    return out.getvalue()


def everything() -> list[int]:
    return [*counts(), get_user_model().objects.count()]


_made: dict[str, str] = {}


@pytest.fixture
def backup(db):
    """The busy book's backup, in a database with neither the book nor its people.

    The file holds no database ids, so one made once serves every test (as a copy)."""
    if "busy" not in _made:
        _made["busy"] = json.dumps(book_backup(book=busy_book()))
    Book.objects.all().delete()
    get_user_model().objects.all().delete()
    return json.loads(_made["busy"])


CRAFTED = [
    '<script>alert("block")</script>',
    '<img src="x" onerror="alert(1)">',
    '<a href="javascript:alert(1)">link</a>',
]


def test_html_in_a_backup_is_rendered_again_never_trusted(client, tmp_path, backup):
    chapter = backup["chapters"][0]
    revision = chapter["revisions"][-1]
    revision["text"] = chapter["text"] = revision["text"] + "\n<script>alert('md')</script>\n"
    revision["blocks"].append([len(revision["blocks"]) + 1, "newpid", "paragraph", "", ""])
    pids = [block[1] for block in revision["blocks"]]
    for number, block in enumerate(revision["blocks"]):
        block[2] = "raw"
        block[3] = CRAFTED[number % len(CRAFTED)]
        block[4] = "forged text"
    for comment in backup["comments"]:
        comment["body_html"] = '<img src="x" onerror="alert(2)"><script>alert(3)</script>'
    restore(tmp_path, backup)

    restored = Chapter.objects.get(book__slug="busy", slug=chapter["slug"])
    blocks = list(restored.current_revision.blocks.order_by("position"))
    assert [block.pid for block in blocks] == pids
    expected = render_chapter(revision["text"])
    assert [(b.kind, b.html, b.text) for b in blocks] == [
        (e.kind, e.html, e.text) for e in expected
    ]
    htmls = [*Block.objects.values_list("html", flat=True)]
    htmls += Comment.objects.values_list("body_html", flat=True)
    for html in htmls:
        assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    for comment in Comment.objects.all():
        assert comment.body_html == render_comment(comment.body)
    page = client.get(restored.get_absolute_url())
    assert page.status_code == 200
    assert "<script>alert" not in page.text
    assert "onerror" not in page.text and "javascript:alert" not in page.text
    assert "&lt;script&gt;alert(" in page.text


def test_a_revision_whose_blocks_do_not_match_its_text_is_refused(tmp_path, backup):
    backup["chapters"][1]["revisions"][0]["blocks"].pop()
    before = everything()
    with pytest.raises(CommandError, match=r"Chapter 'two', revision 1: the backup lists 2 blocks"):
        restore(tmp_path, backup)
    assert everything() == before


def first_comment(data: dict) -> dict:
    return min(data["comments"], key=lambda comment: comment["key"])


def rename_person(data: dict, old: str, new: str) -> None:
    text = json.dumps(data).replace(f'"{old}"', f'"{new}"')
    data.clear()
    data.update(json.loads(text))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["book"].update(slug="busy book"), r"The book: slug: Enter a valid"),
        (
            lambda d: d["chapters"][0].update(slug="chapter one"),
            r"Chapter 'chapter one': slug: Enter a valid",
        ),
        (lambda d: d["chapters"][0].update(slug="feed"), "used by the site itself"),
        (
            lambda d: rename_person(d, "reader0", "reader/0"),
            r"Person 'reader/0': username: Enter a valid username",
        ),
        (lambda d: d["people"][0].update(email="not an address"), "email: Enter a valid"),
        (lambda d: d["people"].append(d["people"][0]), "lists a person twice"),
        (lambda d: d["people"][0].update(profile={"credit_as": "x"}), "credit_as"),
        (
            lambda d: d["chapters"][0]["revisions"][0]["blocks"][0].__setitem__(1, "p 1"),
            "is not a paragraph id",
        ),
        (
            lambda d: d["chapters"][0]["revisions"][0]["blocks"][1].__setitem__(
                1, d["chapters"][0]["revisions"][0]["blocks"][0][1]
            ),
            "two blocks have the same paragraph id",
        ),
        (
            lambda d: d["chapters"][0]["revisions"].append(d["chapters"][0]["revisions"][0]),
            "revision 1 appears twice",
        ),
        (lambda d: d["chapters"][0].update(revision=7), "current revision 7 is not in"),
        (
            lambda d: d["chapters"][0]["revisions"][0].update(lineage={"merged": "x"}),
            "lineage is not as wethink writes it",
        ),
        (
            lambda d: d["chapters"][0]["revisions"][0].update(created_at="yesterday"),
            "'yesterday' is not a date",
        ),
        (lambda d: first_comment(d).update(moderation="shown"), r"Comment 1: moderation:"),
        (lambda d: first_comment(d).update(pid="<b>"), "Comment 1: '<b>' is not a paragraph"),
        (lambda d: first_comment(d).update(quote_prefix="x" * 65), "quote_prefix"),
        (lambda d: first_comment(d).update(parent=99), "replies to 99, not an earlier"),
        (lambda d: first_comment(d).update(depth=1), "depth 1 does not match"),
        (lambda d: first_comment(d).update(body="A \x00 here"), r"NUL character at comments\["),
        (lambda d: d["comments"][1].update(key=1), "same key"),
        (
            lambda d: next(c for c in d["comments"] if c["votes"])["votes"].append(
                next(c for c in d["comments"] if c["votes"])["votes"][0]
            ),
            "a second vote by one",
        ),
        (lambda d: d["chapters"][0].update(revisions="none"), "is not a list"),
    ],
)
def test_records_that_would_break_pages_are_refused_and_nothing_is_written(
    tmp_path, backup, change, message
):
    before = everything()
    change(backup)
    with pytest.raises(CommandError, match=message):
        restore(tmp_path, backup)
    assert everything() == before


def test_existing_people_are_refused_unless_mapped(tmp_path, backup):
    reader = UserFactory(username="reader0", first_name="Kept")
    reader.set_password("secret-password")
    reader.save()
    before = everything()
    with pytest.raises(CommandError, match=r"have accounts here already: reader0\.") as error:
        restore(tmp_path, backup)
    assert "--map-existing-users" in str(error.value)
    assert everything() == before

    restore(tmp_path, backup, "--map-existing-users")
    reader.refresh_from_db()
    assert reader.check_password("secret-password")
    assert reader.first_name == "Kept"
    assert profile_get(reader).credit_label != "R. Zero"
    assert Comment.objects.filter(author=reader).count() == len(
        [c for c in backup["comments"] if c["author"] == "reader0"]
    )
    assert get_user_model().objects.filter(username="reader0").count() == 1


def test_a_person_differing_only_in_case_from_an_account_is_refused(tmp_path, backup):
    UserFactory(username="Reader0")
    before = everything()
    for args in ((), ("--map-existing-users",)):
        with pytest.raises(CommandError, match=r"differ only in case .*: reader0 \(Reader0\)"):
            restore(tmp_path, backup, *args)
        assert everything() == before
