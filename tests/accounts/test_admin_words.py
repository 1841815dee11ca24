import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_names_api_tokens_as_written(client, staff):
    client.force_login(staff)
    index = client.get("/admin/").content.decode()
    assert "API tokens" in index
    assert "Api tokens" not in index
    listing = client.get("/admin/accounts/apitoken/")
    assert listing.status_code == 200
    assert "Select API token to change" in listing.content.decode()


def test_the_admin_is_for_staff_only(client, reader):
    client.force_login(reader)
    assert client.get("/admin/accounts/apitoken/").status_code == 302
