"""What every page tells search engines and browsers: a description and an icon."""

import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

DESCRIPTION = re.compile(r'<meta name="description" content="([^"]*)">')


def descriptions(response) -> list[str]:
    assert response.status_code == 200
    return DESCRIPTION.findall(response.content.decode())


def test_a_book_is_described_by_its_description_and_other_pages_by_the_site(client, book):
    book.description = 'A book about "quotes" & <tags>.'
    book.save()
    assert descriptions(client.get(book.get_absolute_url())) == [
        "A book about &quot;quotes&quot; &amp; &lt;tags&gt;."
    ]
    (site,) = descriptions(client.get(reverse("chapters:book_list")))
    assert site.startswith("wethink: books drafted in the open")
    (login,) = descriptions(client.get(reverse("login")))
    assert login == site


def test_pages_link_an_icon_that_exists(client, book):
    page = client.get(book.get_absolute_url()).content.decode()
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    assert finders.find("img/favicon.svg")


def test_the_old_favicon_address_leads_to_the_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
