"""The inbox: replies and decisions are recorded where they happen, shown to
their reader only while they may see them, counted in the header, marked read."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from comments.decisions import comments_decide
from comments.folding import fold_save
from comments.models import Comment
from comments.services import comment_delete, comment_moderate, comment_reply
from notices.models import InboxItem
from notices.selectors import inbox_unread_count
from tests.factories import UserFactory, comment_make

pytestmark = pytest.mark.django_db

INBOX = "/inbox/"


@pytest.fixture
def other(db):
    return UserFactory(username="other")


@pytest.fixture
def mine(chapter, reader):
    return comment_make(chapter=chapter, author=reader, body="My thought.")


def test_a_reply_goes_to_the_inbox_of_the_comments_author(mine, other):
    reply = comment_reply(user=other, parent=mine, body="An answer.")
    item = InboxItem.objects.get()
    assert (item.user_id, item.comment_id, item.kind, item.actor_id) == (
        mine.author_id,
        reply.pk,
        "reply",
        other.pk,
    )


def test_a_reply_to_oneself_is_not_news(mine, reader):
    comment_reply(user=reader, parent=mine, body="And another thing.")
    assert not InboxItem.objects.exists()


def test_a_reply_held_for_approval_arrives_when_approved(mine, other, editor, chapter):
    chapter.book.moderation = "first"
    chapter.book.save()
    reply = comment_reply(user=other, parent=mine, body="Held.")
    assert reply.moderation == Comment.Moderation.PENDING
    assert not InboxItem.objects.exists()
    comment_moderate(user=editor, comment=reply, action="approve")
    assert InboxItem.objects.get().comment_id == reply.pk
    # Approving twice does not tell twice.
    comment_moderate(user=editor, comment=reply, action="approve")
    assert InboxItem.objects.count() == 1


def test_decisions_go_to_the_inbox_but_not_ones_own(mine, editor, chapter, reader):
    comments_decide(user=editor, comments=[mine], decision="accepted")
    comments_decide(user=editor, comments=[mine], decision="declined", reason="Out of scope.")
    items = InboxItem.objects.filter(user=reader).order_by("pk")
    kinds = list(items.values_list("kind", flat=True))
    # The declining reason is a reply too, but the decision item carries it.
    assert kinds == ["accepted", "declined"]
    own = comment_make(chapter=chapter, author=editor, body="A note to self.")
    comments_decide(user=editor, comments=[own], decision="accepted")
    assert not InboxItem.objects.filter(user=editor).exists()


def test_folding_a_comment_in_tells_its_author(mine, editor, chapter, reader):
    comments_decide(user=editor, comments=[mine], decision="accepted")
    chapter.refresh_from_db()
    fold_save(
        user=editor,
        chapter=chapter,
        base=chapter.revision,
        text=chapter.text + "\n\nA new closing paragraph.\n",
        message="Folded a thought in",
        folded=[mine.pk],
    )
    assert InboxItem.objects.filter(user=reader, kind="incorporated", comment=mine).exists()


def test_a_refused_decision_leaves_no_item(mine, reader):
    with pytest.raises(PermissionDenied):
        comments_decide(user=reader, comments=[mine], decision="accepted")
    with pytest.raises(ValidationError):
        comments_decide(user=reader, comments=[mine], decision="bogus")
    assert not InboxItem.objects.exists()


def test_the_inbox_is_its_owners_alone(client, mine, other, reader):
    comment_reply(user=other, parent=mine, body="For rea only.")
    response = client.get(INBOX)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    client.force_login(other)
    page = client.get(INBOX).content.decode()
    assert "For rea only." not in page
    assert "Nothing here yet." in page
    client.force_login(reader)
    page = client.get(INBOX).content.decode()
    assert "For rea only." in page
    assert "other replied to your comment" in page


def test_opening_the_inbox_marks_its_items_read_and_the_header_counts(
    client, post, committed, mine, other, reader
):
    client.force_login(reader)
    assert "nav-count" not in client.get("/").content.decode()
    with committed():
        comment_reply(user=other, parent=mine, body="One.")
        comment_reply(user=other, parent=mine, body="Two.")
    page = client.get("/").content.decode()
    assert "Inbox, 2 unread" in page
    with committed():
        page = client.get(INBOX).content.decode()
    assert page.count("inbox__item--new") == 2
    assert "nav-count" not in page  # the page that marked them read counts none
    assert not InboxItem.objects.filter(read_at__isnull=True).exists()
    assert "nav-count" not in client.get("/").content.decode()
    # Read items stay, no longer new.
    page = client.get(INBOX).content.decode()
    assert "One." in page and "inbox__item--new" not in page


def test_a_reply_hidden_later_leaves_the_inbox_and_the_count(
    client, committed, mine, other, reader, editor
):
    with committed():
        reply = comment_reply(user=other, parent=mine, body="Something rude.")
    assert inbox_unread_count(reader) == 1
    client.force_login(reader)
    assert "Inbox, 1 unread" in client.get("/").content.decode()
    with committed():
        comment_moderate(user=editor, comment=reply, action="hide", reason="Rude.")
    assert inbox_unread_count(reader) == 0
    assert "nav-count" not in client.get("/").content.decode()
    assert "Something rude." not in client.get(INBOX).content.decode()
    # Deleted by its author: gone as well.
    with committed():
        second = comment_reply(user=other, parent=mine, body="Second thoughts.")
    with committed():
        comment_delete(user=other, comment=second)
    assert "Second thoughts." not in client.get(INBOX).content.decode()
    assert inbox_unread_count(reader) == 0


def test_mark_all_read_is_a_post_for_the_signed_in(client, post, committed, mine, other, reader):
    with committed():
        comment_reply(user=other, parent=mine, body="One.")
    client.force_login(reader)
    # One page: opening it marks it read, no button needed.
    assert "Mark everything read" not in client.get(INBOX).content.decode()
    InboxItem.objects.update(read_at=None)
    client.logout()
    assert post(reverse("notices:inbox_read_all")).status_code == 302
    assert InboxItem.objects.filter(read_at__isnull=True).count() == 1  # anonymous: nothing
    client.force_login(other)
    post(reverse("notices:inbox_read_all"))
    assert InboxItem.objects.filter(read_at__isnull=True).count() == 1  # not theirs
    client.force_login(reader)
    assert client.get(reverse("notices:inbox_read_all")).status_code == 405
    post(reverse("notices:inbox_read_all"))
    assert not InboxItem.objects.filter(read_at__isnull=True).exists()


def test_the_inbox_pages_in_a_fixed_number_of_queries(client, settings, chapter, reader, other):
    settings.WETHINK_COMMENTS_PER_MINUTE = 1000

    def queries_for(count: int) -> int:
        parent = comment_make(chapter=chapter, author=reader, body="Parent.")
        for n in range(count):
            comment_reply(user=other, parent=parent, body=f"Reply {n}.")
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(INBOX).status_code == 200
        return len(queries)

    client.force_login(reader)
    few = queries_for(3)
    many = queries_for(60)
    assert many <= few
    assert few <= 12
    page = client.get(INBOX + "?page=3").content.decode()
    assert 'aria-current="page">3<' in page
    # Many pages: one button marks them all read.
    assert f'action="{reverse("notices:inbox_read_all")}"' in page
    assert "Mark everything read" in page
    assert client.get(INBOX + "?page=x").status_code == 400
