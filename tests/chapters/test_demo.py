from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F

from chapters.models import Block, Book


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
    assert get_user_model().objects.count() == 3
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
