"""Email through Django's tasks framework, retried until the mail server takes it.

Each kind of email is a task that takes ids, reads what it needs from the
database when it runs and builds its message there (so a retry an hour later
says what is true then: a deleted comment sends nothing). `mail_deliver` sends
the message; when the mail server is down or refuses it, the same task is
enqueued again with the next attempt number to run after a delay
(`WETHINK_MAIL_RETRY_DELAYS`). A permanent refusal (a 5xx reply: no such
mailbox, a message refused for good) is not tried again: the answer would be the
same. When the delays run out, or when the backend
cannot defer (the immediate backend of `make run` and tests), the failure is
logged as an error and raised, so the task is kept as failed with its
traceback: a message is never dropped without a trace.
"""

import logging
import smtplib
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.tasks import Task
from django.utils import timezone

log = logging.getLogger(__name__)


class MailNotSent(Exception):
    """A message the mail server did not take, after every retry there is."""


def mail_retry_delay(attempt: int) -> int | None:
    """Seconds to wait before attempt number `attempt + 1`, or None when
    `attempt` was the last one."""
    delays = settings.WETHINK_MAIL_RETRY_DELAYS
    if attempt > len(delays):
        return None
    return delays[attempt - 1]


def refused_for_good(error: OSError) -> bool:
    """Whether the mail server refused for good (5xx), so that trying again would
    get the same answer; a connection failure or a 4xx is worth another try."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _message in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def mail_deliver(
    *,
    message: EmailMessage | None,
    task: Task,
    attempt: int,
    retry_kwargs: dict,
) -> bool:
    """Send `message`; on a mail failure, enqueue `task` again with
    `retry_kwargs` and the next attempt number. None means nothing to send any
    more (the comment was deleted, the person switched these emails off)."""
    if message is None:
        return False
    try:
        message.send()
    except OSError as error:  # smtplib.SMTPException is an OSError too
        delay = None if refused_for_good(error) else mail_retry_delay(attempt)
        if delay is not None and task.get_backend().supports_defer:
            task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(
                **retry_kwargs, attempt=attempt + 1
            )
            log.warning(
                "could not send %r to %s (attempt %s: %s); trying again in %s s",
                message.subject,
                ", ".join(message.to),
                attempt,
                error,
                delay,
            )
            return False
        log.error(
            "could not send %r to %s after %s attempt(s): %s; not tried again",
            message.subject,
            ", ".join(message.to),
            attempt,
            error,
        )
        raise MailNotSent(f"{message.subject!r} to {', '.join(message.to)}") from error
    return True
