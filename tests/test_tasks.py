"""Slow work off the request: the admin's exports and imports and every email go
through Django's tasks framework. With the database queue (WETHINK_TASKS=db) a
request only stores a task, and the worker (`db_worker`) runs it; tasks take ids
and read the database when they run."""

import io
import signal
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from chapters.models import Chapter
from comments.services import comment_delete
from jobs.models import BookJob
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def db_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> None:
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@pytest.fixture
def boss():
    return UserFactory(username="boss", is_staff=True, is_superuser=True)


@pytest.fixture
def book_chapter():
    editor = UserFactory(username="ed")
    book = BookFactory(slug="open-book", title="Open Book", editors=[editor])
    return chapter_make(book=book, text=CHAPTER_TEXT, slug="first-steps", editor=editor)


def staff_with(*codenames: str):
    person = UserFactory(username="clerk", is_staff=True)
    person.user_permissions.set(Permission.objects.filter(codename__in=codenames))
    return person


def test_an_export_is_made_by_the_worker_and_downloaded_by_who_asked(client, boss, book_chapter):
    book = book_chapter.book
    client.force_login(boss)
    response = client.post(
        reverse("admin:chapters_book_changelist"),
        {"action": "export_epub_action", "_selected_action": [book.pk]},
    )
    job = BookJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:jobs_bookjob_change", args=[job.pk])
    assert job.status == BookJob.Status.QUEUED and not job.result
    assert "queued" in client.get(response["Location"]).text
    books = client.get(reverse("admin:chapters_book_changelist")).text
    assert reverse("admin:jobs_bookjob_changelist") in books

    run_worker()
    job.refresh_from_db()
    assert job.status == BookJob.Status.DONE
    download = reverse("admin:jobs_bookjob_download", args=[job.pk])
    assert download in client.get(reverse("admin:jobs_bookjob_changelist")).text
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/epub+zip"
    assert 'filename="open-book.epub"' in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")
    response.close()

    # Another staff member who may see jobs sees only their own; readers nothing.
    client.force_login(staff_with("view_bookjob", "view_book", "change_book"))
    assert client.get(download).status_code == 404
    assert download not in client.get(reverse("admin:jobs_bookjob_changelist")).text
    client.force_login(UserFactory(username="rea"))
    response = client.get(download)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_staff_who_may_change_books_export_and_see_only_their_own_jobs(client, boss, book_chapter):
    clerk = staff_with("view_book", "change_book")
    client.force_login(clerk)
    response = client.post(
        reverse("admin:chapters_book_changelist"),
        {"action": "export_html_action", "_selected_action": [book_chapter.book.pk]},
    )
    own = BookJob.objects.get()
    assert response["Location"] == reverse("admin:jobs_bookjob_change", args=[own.pk])
    run_worker()
    assert client.get(response["Location"]).status_code == 200
    download = reverse("admin:jobs_bookjob_download", args=[own.pk])
    response = client.get(download)
    assert response.status_code == 200 and b"Open Book" in b"".join(response.streaming_content)
    response.close()
    assert download in client.get(reverse("admin:jobs_bookjob_changelist")).text
    # Someone else's job is not there for them.
    other = BookJob.objects.create(
        kind=BookJob.Kind.BACKUP, book_slug="open-book", requested_by=boss
    )
    change = reverse("admin:jobs_bookjob_change", args=[other.pk])
    assert client.get(change).status_code == 302  # the admin's "does not exist" redirect
    assert client.post(reverse("admin:jobs_bookjob_delete", args=[own.pk])).status_code == 403


def test_staff_who_may_only_view_books_cannot_export(client, book_chapter):
    client.force_login(staff_with("view_book"))
    client.post(
        reverse("admin:chapters_book_changelist"),
        {"action": "export_backup_action", "_selected_action": [book_chapter.book.pk]},
    )
    assert not BookJob.objects.exists()
    assert not DBTaskResult.objects.exists()


def zipped(files: dict[str, str]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    buffer.seek(0)
    buffer.name = "book.zip"
    return buffer


def test_an_import_is_run_by_the_worker_with_its_outcome_on_the_job(client, boss):
    url = reverse("admin:chapters_book_import")
    client.force_login(boss)
    response = client.post(
        url, {"slug": "zipped", "archive": zipped({"01-one.md": "# One\n\nFirst.\n"})}
    )
    job = BookJob.objects.get()
    assert response["Location"] == reverse("admin:jobs_bookjob_change", args=[job.pk])
    assert not Chapter.objects.filter(book__slug="zipped").exists()
    assert job.upload

    run_worker()
    job.refresh_from_db()
    assert job.status == BookJob.Status.DONE and not job.upload
    assert Chapter.objects.filter(book__slug="zipped").count() == 1
    page = client.get(reverse("admin:jobs_bookjob_change", args=[job.pk])).text
    assert "one: new" in page.replace("</li>", "\n")

    not_a_zip = io.BytesIO(b"nope")
    not_a_zip.name = "book.zip"
    client.post(url, {"slug": "broken", "archive": not_a_zip})
    bad = BookJob.objects.get(book_slug="broken")
    run_worker()
    bad.refresh_from_db()
    assert bad.status == BookJob.Status.FAILED
    page = client.get(reverse("admin:jobs_bookjob_change", args=[bad.pk])).text
    assert "not a zip archive" in page


def test_the_import_form_is_refused_to_staff_who_may_not_add_books(client):
    client.force_login(staff_with("view_book", "change_book"))
    response = client.post(
        reverse("admin:chapters_book_import"),
        {"slug": "zipped", "archive": zipped({"01-one.md": "# One\n"})},
    )
    assert response.status_code == 403
    assert not BookJob.objects.exists()


def test_an_email_says_what_is_true_when_it_is_sent(client, book_chapter, mailoutbox):
    reader = UserFactory(username="rea", email="rea@example.org")
    root = comment_make(chapter=book_chapter, author=reader)
    client.force_login(book_chapter.book.editors.get())
    client.post(reverse("comments:reply", args=[root.pk]), {"body": "Posted in haste."})
    client.post(reverse("comments:reply", args=[root.pk]), {"body": "Kept."})
    assert mailoutbox == []
    assert DBTaskResult.objects.filter(status="READY").count() == 2
    hasty = root.replies.get(body="Posted in haste.")
    comment_delete(user=hasty.author, comment=hasty)

    run_worker()
    assert [m.body.count("Kept.") for m in mailoutbox] == [1]


def test_a_password_reset_link_is_made_by_the_worker_not_kept_in_the_queue(client, mailoutbox):
    UserFactory(username="forgetful", email="forgetful@example.org")
    response = client.post("/accounts/password_reset/", {"email": "forgetful@example.org"})
    assert response.status_code == 302 and mailoutbox == []
    queued = DBTaskResult.objects.get()
    assert set(queued.args_kwargs["kwargs"]) == {"user_id"}

    run_worker()
    assert len(mailoutbox) == 1
    assert "/accounts/reset/" in mailoutbox[0].body


def test_deleting_a_job_deletes_its_file(client, boss, book_chapter):
    client.force_login(boss)
    client.post(
        reverse("admin:chapters_book_changelist"),
        {"action": "export_backup_action", "_selected_action": [book_chapter.book.pk]},
    )
    run_worker()
    job = BookJob.objects.get()
    storage, name = job.result.storage, job.result.name
    assert storage.exists(name)
    client.post(reverse("admin:jobs_bookjob_delete", args=[job.pk]), {"post": "yes"})
    assert not BookJob.objects.exists()
    assert not storage.exists(name)
