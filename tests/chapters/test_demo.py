from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from chapters.models import Block, Book, Chapter
from comments.models import WHOLE_BOOK, WHOLE_CHAPTER, Comment, CommentEdit, Flag, Vote


@pytest.mark.django_db
def test_load_demo_is_idempotent_and_prints_the_logins(settings):
    settings.DEBUG = True
    out = StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    assert "reader / reader-demo-1" in text and "admin / admin-demo-1" in text
    book = Book.objects.get()
    assert book.status == Book.Status.OPEN
    assert book.editors.filter(username="editor").exists()
    logins = get_user_model().objects.filter(username__in=["reader", "editor", "admin"])
    assert logins.count() == 3
    assert book.chapters.count() >= 3
    current = Block.objects.filter(revision__chapter__current_revision=F("revision"))
    kinds = set(current.values_list("kind", flat=True))
    assert {"heading", "paragraph", "item", "quote", "code", "table"} <= kinds
    assert current.count() >= 40
    assert max(book.chapters.values_list("revision", flat=True)) >= 3
    assert get_user_model().objects.get(username="reader").check_password("reader-demo-1")


@pytest.mark.django_db
def test_load_demo_refuses_known_passwords_in_production(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-demo-accounts"):
        call_command("load_demo", stdout=StringIO())
    assert not get_user_model().objects.exists()
    assert not Book.objects.exists()
    out = StringIO()
    call_command("load_demo", "--allow-demo-accounts", stdout=out)
    assert get_user_model().objects.get(username="admin").check_password("admin-demo-1")


@pytest.fixture
def demo(settings, client):
    settings.DEBUG = True
    call_command("load_demo", stdout=StringIO())
    return Book.objects.get(slug="writing-in-the-open")


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (get_user_model(), Comment, CommentEdit, Vote, Flag, Chapter)
    } | {"revisions": list(Chapter.objects.values_list("revision", flat=True).order_by("pk"))}


@pytest.mark.django_db
def test_load_demo_seeds_comments_in_every_state(demo):
    comments = Comment.objects.filter(book=demo)
    top = comments.filter(parent__isnull=True)
    assert top.filter(decision=Comment.Decision.OPEN, anchor_state="current").exists()
    passage = top.filter(decision=Comment.Decision.OPEN).exclude(quote_exact="")
    assert passage.exclude(suggestion="").exists()
    assert comments.filter(depth=2).exists(), "a reply to a reply"
    assert Vote.objects.filter(comment__book=demo).count() >= 10
    for decision in ("accepted", "declined", "deferred", "incorporated"):
        assert top.filter(decision=decision).exists(), decision
    assert top.filter(anchor_state=Comment.AnchorState.ORPHANED).exists()
    assert top.filter(anchor_state=Comment.AnchorState.CHANGED, incorporated_in=None).exists()
    assert top.filter(moderation=Comment.Moderation.PENDING).exists()
    assert top.filter(edited_at__isnull=False).exists()
    assert top.filter(deleted_at__isnull=False).exists()
    assert Flag.objects.filter(comment__book=demo, resolved_at__isnull=True).exists()
    whole = top.get(pid=WHOLE_CHAPTER)
    assert whole.chapter.slug == "the-open-draft" and whole.replies.exists()
    on_book = top.get(chapter__isnull=True)
    assert on_book.pid == WHOLE_BOOK and on_book.replies.exists() and on_book.vote_count == 2
    # The incorporated comments were folded: their revision is the chapter's newest,
    # made by the editor with the fold's message.
    incorporated = top.filter(decision="incorporated").select_related("incorporated_in")
    revision = incorporated[0].incorporated_in
    assert {c.incorporated_in_id for c in incorporated} == {revision.pk}
    assert revision.chapter.current_revision_id == revision.pk
    assert revision.editor.username == "editor"
    assert "pencil note" in revision.message


@pytest.mark.django_db
def test_the_demo_pages_show_the_seeded_comments(demo, client):
    chapter = demo.chapters.get(slug="reading-with-a-pencil")
    page = client.get(chapter.get_absolute_url()).content.decode()
    assert "Comments on text that has been removed" in page
    revision = chapter.revision
    diff = client.get(f"{chapter.get_absolute_url()}diff/{revision - 1}/{revision}/")
    assert "where nobody else will ever see them" in diff.content.decode()
    assert "tomasz" in diff.content.decode()
    thanks = client.get(f"/b/{demo.slug}/acknowledgements/").content.decode()
    assert "Ana Lucía Ortega" in thanks and "Tomasz Wiśniewski" in thanks
    # A reader who asked not to be listed is not.
    assert "june" not in thanks


@pytest.mark.django_db
def test_load_demo_twice_adds_nothing(demo):
    before = _counts()
    out = StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert "comments" not in out.getvalue().lower()
