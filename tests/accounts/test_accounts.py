import importlib
import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import ApiToken, Attempt, Profile
from accounts.services import profile_get, token_create, token_revoke, user_for_token
from accounts.throttling import client_ip
from accounts.usernames import username_skeleton, username_taken
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
@pytest.mark.parametrize(
    "lookalike",
    [
        "newbie",
        "Newbie",
        "NEWBIE",
        "n\u0435wbie",  # Cyrillic e
        "\uff4eewbie",  # fullwidth n
        "new\u0184ie",  # Latin tone six, a b look-alike
        "newbIe",
        "newb1e",
    ],
)
def test_a_username_that_looks_taken_is_refused(client, lookalike):
    UserFactory(username="newbie", email="first@example.org")
    response = client.post(SIGNUP, signup_data(username=lookalike, email="second@example.org"))
    assert response.status_code == 400
    assert "That username is taken." in response.text
    assert get_user_model().objects.count() == 1


def test_username_skeletons_fold_case_compatibility_forms_and_lookalikes():
    assert username_skeleton("Reader") == username_skeleton("READER") == "reader"
    assert username_skeleton("r\u0435ader") == "reader"  # Cyrillic e
    assert username_skeleton("\u0441\u043e\u0440\u0435") == "cope"  # all four Cyrillic
    assert username_skeleton("\uff52eader") == "reader"  # fullwidth
    assert username_skeleton("\U0001d42beader") == "reader"  # mathematical bold
    assert username_skeleton("\u0412\u041e\u0412") == username_skeleton("bob")  # Cyrillic capitals
    assert username_skeleton("Ilya") == username_skeleton("llya")
    assert username_skeleton("modern") == username_skeleton("rnodern")
    assert username_skeleton("jos\u00e9") != username_skeleton("jose")
    assert username_skeleton("reader") != username_skeleton("leader")


@pytest.mark.django_db
def test_the_username_key_is_unique_in_the_database():
    UserFactory(username="reader")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="R\u0435ader")
    renamed = UserFactory(username="someone")
    renamed.username = "Someone-Else"
    renamed.save()
    assert Profile.objects.get(user=renamed).username_key == "sorneone-else"


@pytest.mark.django_db
def test_the_admin_refuses_a_lookalike_username(client, staff):
    UserFactory(username="reader")
    client.force_login(staff)
    data = {"username": "READER", "password1": GOOD, "password2": GOOD, "usable_password": "true"}
    response = client.post("/admin/auth/user/add/", data)
    assert response.status_code == 200
    assert "That username is taken." in response.text
    response = client.post("/admin/auth/user/add/", {**data, "username": "fresh"})
    assert response.status_code == 302
    assert get_user_model().objects.filter(username="fresh").exists()


@pytest.mark.django_db
def test_the_admin_user_list_needs_staff(client, reader):
    client.force_login(reader)
    response = client.get("/admin/auth/user/add/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_sign_up_does_not_say_an_email_has_an_account(
    client, mailoutbox, settings, django_capture_on_commit_callbacks
):
    settings.WETHINK_SITE_URL = "https://wethink.example.org"
    UserFactory(username="first", email="taken@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        fresh = client.post(SIGNUP, signup_data(username="fresh", email="unused@example.org"))
    assert mailoutbox == []
    client.logout()
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(SIGNUP, signup_data(username="again", email="TAKEN@example.org"))
    assert (fresh.status_code, fresh["Location"]) == (again.status_code, again["Location"])
    assert again.status_code == 302
    assert get_user_model().objects.filter(username="again").exists()
    # The person who owns the address hears about it, and is offered a reset.
    assert len(mailoutbox) == 1
    notice = mailoutbox[0]
    assert notice.to == ["TAKEN@example.org"]
    assert "first" in notice.body and "again" in notice.body
    assert "https://wethink.example.org/accounts/password_reset/" in notice.body


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
    from comments.decisions import comments_decide
    from tests.factories import comment_make

    comment = comment_make(chapter=chapter, author=reader, body="Listed on my profile")
    comments_decide(user=editor, comments=[comment], decision="accepted")
    page = client.get(reverse("accounts:profile", args=[reader.username])).text
    assert "Listed on my profile" in page
    assert "accepted" in page and "1 accepted" in page


RESET = "/accounts/password_reset/"


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_any_address(client, mailoutbox, settings):
    settings.WETHINK_SITE_URL = "https://wethink.example.org"
    UserFactory(username="forgetful", email="forgetful@example.org")
    known = client.post(RESET, {"email": "forgetful@example.org"}, HTTP_HOST="localhost")
    unknown = client.post(RESET, {"email": "nobody@example.org"}, HTTP_HOST="localhost")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    pages = [client.get(response["Location"]).text for response in (known, unknown)]
    # Identical but for the CSRF token, which is masked afresh on every page.
    assert len({re.sub(r"[A-Za-z0-9]{64}", "", page) for page in pages}) == 1
    assert [mail.to for mail in mailoutbox] == [["forgetful@example.org"]]
    # The link is made from SITE_URL, whatever Host the request named.
    assert "https://wethink.example.org/accounts/reset/" in mailoutbox[0].body
    assert "localhost" not in mailoutbox[0].body


@pytest.mark.django_db
def test_password_reset_is_limited_per_address(client, settings, mailoutbox):
    settings.WETHINK_PASSWORD_RESETS_PER_HOUR = 2
    UserFactory(username="forgetful", email="forgetful@example.org")
    statuses = [
        client.post(RESET, {"email": f"someone{n}@example.org"}).status_code for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    response = client.post(RESET, {"email": "forgetful@example.org"})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.text
    assert mailoutbox == []
    other = client.post(RESET, {"email": "forgetful@example.org"}, REMOTE_ADDR="192.0.2.7")
    assert other.status_code == 302 and len(mailoutbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("email", ["forgetful@example.org", "nobody@example.org"])
def test_password_reset_is_limited_per_email(client, settings, mailoutbox, email):
    settings.WETHINK_PASSWORD_RESETS_PER_HOUR = 2
    UserFactory(username="forgetful", email="forgetful@example.org")
    statuses = [
        client.post(RESET, {"email": email}, REMOTE_ADDR=f"192.0.2.{n}").status_code
        for n in range(1, 4)
    ]
    # The same for an address with an account and one without.
    assert statuses == [302, 302, 429]
    assert client.post(RESET, {"email": "else@example.org"}).status_code == 302
    # The window is an hour: older requests no longer count.
    Attempt.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert client.post(RESET, {"email": email}, REMOTE_ADDR="192.0.2.9").status_code == 302


@pytest.mark.django_db
def test_a_very_long_username_is_an_ordinary_wrong_login(client):
    response = client.post("/accounts/login/", {"username": "x" * 300, "password": "wrong"})
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.text
    assert AccessAttempt.objects.get().username == "x" * 150


def login_fails(client, username: str, times: int, **extra) -> list[int]:
    return [
        client.post(
            "/accounts/login/", {"username": username, "password": "wrong"}, **extra
        ).status_code
        for _ in range(times)
    ]


@pytest.mark.django_db
def test_behind_a_trusted_proxy_a_lockout_is_for_one_client(client, settings):
    settings.WETHINK_TRUSTED_PROXIES = 1
    UserFactory(username="target", password=GOOD)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    attacker = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.66"}
    assert login_fails(client, "target", 5, **attacker)[-1] == 429
    owner = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.5"}
    response = Client().post("/accounts/login/", {"username": "target", "password": GOOD}, **owner)
    assert response.status_code == 302
    # Only the proxy's own entry counts; what the client wrote before it does not.
    spoofed = {**proxy, "HTTP_X_FORWARDED_FOR": "198.51.100.5, 203.0.113.66"}
    assert login_fails(client, "target", 1, **spoofed) == [429]


@pytest.mark.django_db
def test_without_trusted_proxies_forwarded_for_is_ignored(client, settings):
    settings.WETHINK_TRUSTED_PROXIES = 0
    UserFactory(username="target", password=GOOD)
    statuses = [
        client.post(
            "/accounts/login/",
            {"username": "target", "password": "wrong"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "203.0.113.1", "10.0.0.1"),
        (1, "203.0.113.1", "203.0.113.1"),
        (1, "198.51.100.1, 203.0.113.1", "203.0.113.1"),
        (2, "198.51.100.1, 203.0.113.1, 10.0.0.2", "203.0.113.1"),
        (2, "203.0.113.1", "10.0.0.1"),  # fewer hops than proxies: not through them all
        (1, "not-an-address", "10.0.0.1"),
        (1, "", "10.0.0.1"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_counts_trusted_proxies_from_the_right(
    settings, rf, proxies, forwarded, expected
):
    settings.WETHINK_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


@pytest.mark.django_db
def test_the_migration_gives_existing_accounts_keys_and_the_older_one_wins():
    from django.apps import apps

    fill = importlib.import_module("accounts.migrations.0002_profile_username_key")
    older = UserFactory(username="reader")
    # Accounts from before the key: no profile, or a profile without a key,
    # and one that already clashes with an older account.
    get_user_model().objects.bulk_create(
        [get_user_model()(username="Reader"), get_user_model()(username="plain")]
    )
    Profile.objects.update(username_key=None)
    fill.fill_username_keys(apps, None)
    keys = dict(Profile.objects.values_list("user__username", "username_key"))
    assert keys == {"reader": "reader", "Reader": None, "plain": "plaln"}
    assert Profile.objects.get(username_key="reader").user == older
    # The name that clashed is still refused to anyone new.
    assert username_taken("READER")


@pytest.mark.django_db
def test_renaming_in_the_admin_refuses_a_lookalike_but_keeps_ones_own_name():
    from accounts.forms import AdminUserChangeForm

    UserFactory(username="reader")
    other = UserFactory(username="other")
    data = {"username": "READER", "date_joined": "2026-01-01 00:00:00", "is_active": "on"}
    form = AdminUserChangeForm(instance=other, data=data)
    assert not form.is_valid()
    assert form.errors["username"] == ["That username is taken."]
    form = AdminUserChangeForm(instance=other, data={**data, "username": "Other"})
    assert form.is_valid(), form.errors


@pytest.mark.django_db
def test_the_lockout_page_says_how_long_the_configured_lockout_lasts(client, settings):
    settings.AXES_COOLOFF_TIME = 1.5
    UserFactory(username="target", password=GOOD)
    response = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
    for _ in range(4):
        response = client.post("/accounts/login/", {"username": "target", "password": "wrong"})
    assert response.status_code == 429
    assert "paused for 90 minutes" in response.text
