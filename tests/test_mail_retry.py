"""Mail is never lost: a reply posted while the SMTP server is down is stored and
answered at once, its email waits in the task queue, fails, is retried later, and
goes out exactly once when the server is back. The SMTP server is an aiosmtpd
sink on a free loopback port; the worker is django-tasks-db's `db_worker`."""

import logging
import signal
import socket
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from comments.models import Comment
from tests.conftest import CHAPTER_TEXT
from tests.factories import BookFactory, UserFactory, chapter_make, comment_make

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


class Sink:
    """Keeps every message the SMTP server is given."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 Message accepted"


class RefusingSink(Sink):
    """Refuses every recipient with the reply it is given (e.g. "550 No such user")."""

    def __init__(self, reply: str) -> None:
        super().__init__()
        self.reply = reply

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        return self.reply


class SmtpServer:
    """An SMTP sink that can be stopped and started again on the same port."""

    def __init__(self) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.sink: Sink = Sink()
        self.controller = None

    def start(self) -> None:
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    settings.TASKS = DB_TASKS
    yield server
    server.stop()


def run_worker() -> None:
    """The worker as `make serve` runs it, until no task is ready."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


def later() -> None:
    """The retry delay has passed."""
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())


def test_a_reply_posted_while_the_mail_server_is_down_is_mailed_once_it_is_back(
    client, smtp, settings
):
    settings.WETHINK_MAIL_RETRY_DELAYS = [60, 300]
    editor = UserFactory(username="ed")
    reader = UserFactory(username="rea", email="rea@example.org")
    chapter = chapter_make(
        book=BookFactory(slug="open-book", editors=[editor]), text=CHAPTER_TEXT, editor=editor
    )
    root = comment_make(chapter=chapter, author=reader, body="Is this right?")
    smtp.start()
    smtp.stop()

    client.force_login(editor)
    response = client.post(reverse("comments:reply", args=[root.pk]), {"body": "Yes, it is."})
    assert response.status_code == 302
    assert Comment.objects.get(parent=root).body == "Yes, it is."
    # The request only queued the email.
    queued = DBTaskResult.objects.get()
    assert (queued.status, queued.task_path) == ("READY", "comments.notifications.send_reply_email")

    run_worker()
    assert smtp.sink.messages == []
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert retry.run_after > timezone.now() + timedelta(seconds=50)
    run_worker()  # not due yet
    assert DBTaskResult.objects.filter(status="READY").count() == 1

    smtp.start()
    later()
    run_worker()
    assert [m.rcpt_tos for m in smtp.sink.messages] == [["rea@example.org"]]
    assert "Yes, it is." in smtp.sink.messages[0].content.decode()
    assert not DBTaskResult.objects.filter(status="READY").exists()
    run_worker()
    assert len(smtp.sink.messages) == 1


def test_after_the_last_retry_the_failure_is_logged_and_kept(client, smtp, settings, caplog):
    settings.WETHINK_MAIL_RETRY_DELAYS = [60]
    editor = UserFactory(username="ed")
    reader = UserFactory(username="rea", email="rea@example.org")
    chapter = chapter_make(
        book=BookFactory(slug="open-book", editors=[editor]), text=CHAPTER_TEXT, editor=editor
    )
    root = comment_make(chapter=chapter, author=reader)
    client.force_login(editor)
    client.post(reverse("comments:reply", args=[root.pk]), {"body": "Noted."})

    with caplog.at_level(logging.WARNING, logger="wethink.tasks"):
        run_worker()
        later()
        run_worker()
    assert smtp.sink.messages == []
    assert not DBTaskResult.objects.filter(status="READY").exists()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "wethink.tasks.MailNotSent"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "after 2 attempt(s)" in errors[0].getMessage()
    assert "rea@example.org" in errors[0].getMessage()


def _reply_to_rea(client) -> None:
    editor = UserFactory(username="ed")
    reader = UserFactory(username="rea", email="rea@example.org")
    chapter = chapter_make(
        book=BookFactory(slug="open-book", editors=[editor]), text=CHAPTER_TEXT, editor=editor
    )
    root = comment_make(chapter=chapter, author=reader)
    client.force_login(editor)
    response = client.post(reverse("comments:reply", args=[root.pk]), {"body": "Noted."})
    assert response.status_code == 302


def test_a_mailbox_refused_for_good_is_not_tried_again(client, smtp, settings, caplog):
    settings.WETHINK_MAIL_RETRY_DELAYS = [60, 300]
    smtp.sink = RefusingSink("550 5.1.1 No such user")
    smtp.start()
    _reply_to_rea(client)
    with caplog.at_level(logging.WARNING, logger="wethink.tasks"):
        run_worker()
    assert not DBTaskResult.objects.filter(status="READY").exists()
    failed = DBTaskResult.objects.get(status="FAILED")
    assert failed.exception_class_path == "wethink.tasks.MailNotSent"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "after 1 attempt(s)" in errors[0].getMessage()


def test_a_mailbox_refused_for_now_is_tried_again(client, smtp, settings):
    settings.WETHINK_MAIL_RETRY_DELAYS = [60, 300]
    smtp.sink = RefusingSink("450 4.2.1 Mailbox busy, try later")
    smtp.start()
    _reply_to_rea(client)
    run_worker()
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.args_kwargs["kwargs"]["attempt"] == 2
    assert not DBTaskResult.objects.filter(status="FAILED").exists()
