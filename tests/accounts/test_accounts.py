import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from accounts.services import profile_get, token_create, token_revoke, user_for_token
from tests.factories import UserFactory

SIGNUP = "/accounts/signup/"
GOOD = "a-long-test-password"


def signup_data(**changes):
    data = {
        "username": "newbie",
        "email": "newbie@example.org",
        "password1": GOOD,
        "password2": GOOD,
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_sign_up_logs_in_and_returns_to_next(client):
    response = client.post(SIGNUP, signup_data(next="/b/some/chapter/p/abc/"))
    assert response.status_code == 302
    assert response["Location"] == "/b/some/chapter/p/abc/"
    user = get_user_model().objects.get(username="newbie")
    assert int(client.session["_auth_user_id"]) == user.pk
    assert profile_get(user).notify_replies is True


@pytest.mark.django_db
def test_sign_up_refuses_an_outside_next(client):
    response = client.post(SIGNUP, signup_data(next="https://evil.example/"))
    assert response["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"password1": "password", "password2": "password"}, "This password is too common."),
        ({"password2": "something-else-entirely"}, "The two passwords are not the same."),
        ({"email": "not-an-email"}, "Enter a valid email address."),
        ({"username": "bad name!"}, "Enter a valid username"),
    ],
)
def test_bad_sign_ups_say_why(client, changes, message):
    response = client.post(SIGNUP, signup_data(**changes))
    assert response.status_code == 400
    assert message in response.text
    assert not get_user_model().objects.filter(username=changes.get("username", "newbie")).exists()


@pytest.mark.django_db
def test_duplicate_username_or_email_is_refused(client):
    UserFactory(username="newbie", email="first@example.org")
    assert "already exists" in client.post(SIGNUP, signup_data()).text
    UserFactory(username="someone", email="taken@example.org")
    response = client.post(SIGNUP, signup_data(username="fresh", email="TAKEN@example.org"))
    assert response.status_code == 400
    assert "An account with this email address already exists." in response.text


def test_signed_in_people_go_to_their_profile(client, reader):
    client.force_login(reader)
    assert client.get(SIGNUP)["Location"] == reverse("accounts:my_profile")


@pytest.mark.django_db
def test_password_reset_sends_a_working_link(client, mailoutbox):
    UserFactory(username="forgetful", email="forgetful@example.org")
    response = client.post("/accounts/password_reset/", {"email": "forgetful@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mailoutbox[0].body).group(1)
    page = client.get(link, follow=True)
    assert "Choose a new password" in page.text
    response = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "another-long-password", "new_password2": "another-long-password"},
    )
    assert response.status_code == 302
    assert (
        get_user_model().objects.get(username="forgetful").check_password("another-long-password")
    )


@pytest.mark.django_db
def test_login_is_throttled_after_five_failures(client):
    UserFactory(username="target", password=GOOD)
    statuses = [
        client.post("/accounts/login/", {"username": "target", "password": "wrong"}).status_code
        for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post("/accounts/login/", {"username": "target", "password": GOOD})
    assert response.status_code == 429
    assert "Too many failed attempts" in response.text
    assert "_auth_user_id" not in client.session


def test_profile_shows_settings_and_token_to_the_owner_only(client, reader):
    url = reverse("accounts:profile", kwargs={"username": reader.username})
    page = client.get(url)
    assert page.status_code == 200 and reader.username in page.text
    assert "Save settings" not in page.text and "API token" not in page.text
    client.force_login(UserFactory(username="someone-else"))
    assert "Save settings" not in client.get(url).text
    client.force_login(reader)
    page = client.get(url).text
    assert "Save settings" in page and "Create token" in page
    assert client.get("/accounts/u/nobody-at-all/").status_code == 404


def test_settings_change_only_the_signed_in_person(client, reader, editor):
    data = {
        "credit_as": "other",
        "credit_name": "R. Eader",
        "notify_replies": "",
        "notify_decisions": "on",
    }
    response = client.post(reverse("accounts:settings"), data)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(editor)
    client.post(reverse("accounts:settings"), {**data, "user": reader.pk})
    assert profile_get(reader).credit_as == "name"
    assert profile_get(editor).credit_label == "R. Eader"
    assert profile_get(editor).notify_replies is False
    response = client.post(reverse("accounts:settings"), {**data, "credit_name": ""})
    assert response.status_code == 400
    assert "Give the name to list you under." in response.text


def test_api_token_is_shown_once_and_can_be_revoked(client, reader):
    client.force_login(reader)
    page = client.post(reverse("accounts:token_create"))
    key = re.search(r'<code class="token-key">([^<]+)</code>', page.text).group(1)
    assert user_for_token(key) == reader
    assert key not in client.get(reverse("accounts:profile", args=[reader.username])).text
    assert ApiToken.objects.get(user=reader).key_hash != key
    assert user_for_token("wrong" + key) is None
    response = client.post(reverse("accounts:token_revoke"))
    assert response.status_code == 302
    assert user_for_token(key) is None


def test_a_new_token_replaces_the_old_one(reader):
    first = token_create(user=reader)
    second = token_create(user=reader)
    assert user_for_token(first) is None and user_for_token(second) == reader
    reader.is_active = False
    reader.save()
    assert user_for_token(second) is None
    assert token_revoke(user=reader) is True


def test_account_forms_need_csrf(reader):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reader)
    assert client.post(reverse("accounts:token_create")).status_code == 403
    assert not ApiToken.objects.exists()


def test_profile_lists_comments_with_where_they_stand(client, chapter, reader, editor):
    from comments.services import comments_decide
    from tests.factories import comment_make

    comment = comment_make(chapter=chapter, author=reader, body="Listed on my profile")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    page = client.get(reverse("accounts:profile", args=[reader.username])).text
    assert "Listed on my profile" in page
    assert "accepted" in page and "1 accepted" in page
