import pytest
from django.contrib import admin as django_admin
from django.db import models
from django.urls import reverse
from reversion.models import Version

from chapters.models import Chapter
from tests.conftest import CHAPTER_TEXT


def form_data(chapter: Chapter, **changes) -> dict:
    data = {
        "book": chapter.book.pk,
        "position": chapter.position,
        "title": chapter.title,
        "slug": chapter.slug,
        "status": chapter.status,
        "comment_period": chapter.comment_period,
        "comments_close_at": "",
        "text": chapter.text,
        "message": "",
        "base_revision": chapter.revision,
    }
    data.update(changes)
    return data


def test_line_endings_posted_by_browsers_make_no_new_revision(client, staff, chapter):
    client.force_login(staff)
    crlf = CHAPTER_TEXT.replace("\n", "\r\n") + "\r\n\r\n"
    response = client.post(
        reverse("admin:chapters_chapter_change", args=[chapter.pk]), form_data(chapter, text=crlf)
    )
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert chapter.revision == 1


def test_editing_text_in_the_admin_makes_a_revision_through_the_service(client, staff, chapter):
    client.force_login(staff)
    before = list(chapter.current_revision.blocks.values_list("pid", flat=True))
    text = CHAPTER_TEXT.replace("sets the scene", "sets the stage")
    response = client.post(
        reverse("admin:chapters_chapter_change", args=[chapter.pk]),
        form_data(chapter, text=text, message="Better verb"),
    )
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert chapter.revision == 2
    revision = chapter.current_revision
    assert revision.message == "Better verb"
    assert revision.editor == staff
    assert list(revision.blocks.values_list("pid", flat=True)) == before
    assert "stage" in revision.blocks.get(position=2).html


def test_admin_can_add_a_chapter_with_its_first_revision(client, staff, book):
    client.force_login(staff)
    response = client.post(
        reverse("admin:chapters_chapter_add"),
        {
            "book": book.pk,
            "position": 3,
            "title": "Added",
            "slug": "added",
            "status": "published",
            "comment_period": "book",
            "text": "# Added\n\nHello.",
            "message": "",
        },
    )
    assert response.status_code == 302
    chapter = Chapter.objects.get(slug="added")
    assert chapter.revision == 1
    assert chapter.current_revision.blocks.count() == 2


def test_recovering_an_old_version_in_the_admin_goes_through_the_service(client, staff, chapter):
    client.force_login(staff)
    change = reverse("admin:chapters_chapter_change", args=[chapter.pk])
    client.post(change, form_data(chapter, text=CHAPTER_TEXT + "\nA new ending.\n"))
    chapter.refresh_from_db()
    assert chapter.revision == 2
    first = Version.objects.get_for_object(chapter).order_by("pk").first()
    url = reverse("admin:chapters_chapter_revision", args=[chapter.pk, first.pk])
    page = client.get(url)
    assert page.status_code == 200
    # The old version's fields are shown, but the form is based on the newest revision.
    assert page.context["adminform"].form["base_revision"].value() == 2
    response = client.post(url, form_data(chapter, text=CHAPTER_TEXT, message="Back to r1"))
    assert response.status_code == 302
    chapter.refresh_from_db()
    assert chapter.revision == 3
    assert chapter.text == CHAPTER_TEXT
    assert chapter.current_revision.block_count == chapter.current_revision.blocks.count()
    assert list(chapter.revisions.values_list("number", flat=True)) == [3, 2, 1]


def test_a_save_from_an_older_revision_is_a_form_error_showing_the_difference(
    client, staff, chapter
):
    change = reverse("admin:chapters_chapter_change", args=[chapter.pk])
    client.force_login(staff)
    opened = client.get(change)
    assert opened.context["adminform"].form["base_revision"].value() == 1
    first = form_data(chapter, text=CHAPTER_TEXT + "\nThe first admin's ending.\n")
    assert client.post(change, first).status_code == 302
    mine = CHAPTER_TEXT.replace("sets the scene", "sets the stage")
    response = client.post(change, form_data(chapter, text=mine))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["text"][0]
    assert "boss saved revision 2 after this form was opened on revision 1" in errors
    assert "<del>scene</del><ins>stage</ins>" in response.text
    assert "<ins>The first admin" not in response.text  # only the difference, marked
    form = response.context["adminform"].form
    assert form["base_revision"].value() == "2" and form["text"].value() == mine
    chapter.refresh_from_db()
    assert chapter.revision == 2 and "The first admin's ending." in chapter.text
    # Saving again from the form as shown is a decision made knowing revision 2.
    again = client.post(change, {**form_data(chapter, text=mine), "base_revision": 2})
    assert again.status_code == 302
    chapter.refresh_from_db()
    assert chapter.revision == 3 and chapter.text == mine


def test_an_admin_form_without_its_base_revision_saves_nothing(client, staff, chapter):
    client.force_login(staff)
    data = form_data(chapter, text=CHAPTER_TEXT + "\nMore.\n")
    del data["base_revision"]
    response = client.post(reverse("admin:chapters_chapter_change", args=[chapter.pk]), data)
    assert response.status_code == 200
    assert "The form lost the revision it was based on" in response.text
    chapter.refresh_from_db()
    assert chapter.revision == 1


@pytest.mark.parametrize("who", ["anonymous", "reader", "editor"])
def test_the_admin_is_for_staff_only(client, chapter, reader, editor, who):
    if who != "anonymous":
        client.force_login(reader if who == "reader" else editor)
    response = client.get(reverse("admin:chapters_chapter_change", args=[chapter.pk]))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_import_a_zip_in_the_admin(client, staff, reader):
    import io
    import zipfile

    from django.contrib.admin.models import LogEntry
    from django.core.files.uploadedfile import SimpleUploadedFile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zipped:
        zipped.writestr("01-one.md", "# One\n\nFirst chapter.\n")
        zipped.writestr("02-two.md", "# Two\n\nSecond chapter.\n")
    url = reverse("admin:chapters_book_import")
    upload = SimpleUploadedFile("book.zip", buffer.getvalue(), content_type="application/zip")
    client.force_login(reader)
    assert client.post(url, {"slug": "zipped", "archive": upload}).status_code == 302
    assert not Chapter.objects.filter(book__slug="zipped").exists()
    client.force_login(staff)
    upload.seek(0)
    response = client.post(url, {"slug": "zipped", "title": "Zipped", "archive": upload})
    assert response.status_code == 200
    assert "one: new" in response.text.replace("</li>", "\n")
    assert Chapter.objects.filter(book__slug="zipped").count() == 2
    assert LogEntry.objects.filter(object_repr="Zipped").exists()
    bad = SimpleUploadedFile("bad.zip", b"nope", content_type="application/zip")
    response = client.post(url, {"slug": "zipped2", "archive": bad})
    assert "not a zip archive" in response.text


@pytest.mark.parametrize(
    ("action", "kind"),
    [
        ("export_epub_action", "application/epub+zip"),
        ("export_html_action", "text/html; charset=utf-8"),
        ("export_markdown_action", "application/zip"),
        ("export_backup_action", "application/json"),
    ],
)
def test_staff_export_a_book_from_the_admin(client, staff, reader, chapter, action, kind):
    url = reverse("admin:chapters_book_changelist")
    data = {"action": action, "_selected_action": [chapter.book.pk]}
    client.force_login(reader)
    assert client.post(url, data).status_code == 302
    client.force_login(staff)
    response = client.post(url, data)
    assert response.status_code == 200
    assert response["Content-Type"] == kind
    assert response["Content-Disposition"].startswith("attachment;")
    assert len(response.content) > 100


def _date_fields(model_admin) -> list[str]:
    return [
        field.name
        for field in model_admin.model._meta.get_fields()
        if isinstance(field, models.DateField | models.TimeField) and field.editable
    ]


@pytest.mark.parametrize(
    "model_admin",
    [
        model_admin
        for model_admin in django_admin.site._registry.values()
        if _date_fields(model_admin)
    ],
    ids=lambda model_admin: model_admin.model._meta.label,
)
def test_every_add_page_takes_dates_in_its_address(client, staff, model_admin):
    """A date in an add page's address (`?created_at=…`) fills the field, and one the
    field cannot read is left out: never a 500, on any admin page."""
    meta = model_admin.model._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
    client.force_login(staff)
    for value in ("2026-12-24 10:30", "2026-12-24", "not a date", "10:30"):
        query = dict.fromkeys(_date_fields(model_admin), value)
        response = client.get(url, query)
        assert response.status_code in {200, 403}, (value, response.status_code)
