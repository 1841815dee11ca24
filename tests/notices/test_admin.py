"""The admin shows what the site wrote for people (digests, inbox items) without
letting staff make them up; watches can be managed."""

import pytest

from comments.services import comment_reply
from notices.models import InboxItem
from tests.factories import UserFactory, comment_make

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client):
    user = UserFactory(username="boss", is_staff=True, is_superuser=True)
    client.force_login(user)
    return user


@pytest.mark.parametrize("model", ["inboxitem", "digest"])
def test_digests_and_inbox_items_are_not_added_by_hand(client, boss, model):
    # A date in the address used to reach the date widget as text: a 500.
    assert client.get(f"/admin/notices/{model}/add/?created_at=x&read_at=y").status_code == 403
    assert client.get(f"/admin/notices/{model}/").status_code == 200


def test_an_inbox_item_is_shown_read_only(
    client, boss, chapter, reader, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        comment_reply(
            user=UserFactory(), parent=comment_make(chapter=chapter, author=reader), body="Hi."
        )
    item = InboxItem.objects.get()
    page = client.get(f"/admin/notices/inboxitem/{item.pk}/change/")
    assert page.status_code == 200
    assert 'name="read_at' not in page.text


def test_the_notices_admin_is_for_staff(client, reader):
    client.force_login(reader)
    assert client.get("/admin/notices/inboxitem/").status_code == 302
    assert client.get("/admin/notices/watch/").status_code == 302
